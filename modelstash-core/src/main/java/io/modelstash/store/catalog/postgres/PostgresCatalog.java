package io.modelstash.store.catalog.postgres;

import io.modelstash.store.catalog.CatalogException;
import io.modelstash.store.catalog.jdbc.JdbcCatalog;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import org.postgresql.Driver;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The catalog in a PostgreSQL database (pgjdbc), shared by any number of processes and machines;
 * several stores may share one database, each in its own schema.
 *
 * <p>Write transactions are serialized per schema: each takes a transaction-scoped advisory lock
 * first, so writers run one after another exactly as with SQLite's write lock, and at READ
 * COMMITTED each statement sees everything the previous writers committed. That makes version
 * numbers gapless, alias updates compare-and-set and sweeps fenced without relying on serialization
 * failures. Reads run at REPEATABLE READ, READ ONLY: one consistent snapshot, never blocked by
 * writers. A lock wait longer than {@link #LOCK_TIMEOUT_SECONDS} is retried by {@link JdbcCatalog},
 * as are deadlocks, serialization failures and connections the server dropped between operations; a
 * connection lost while committing is reported as an unknown outcome.
 *
 * <p>Opening creates the schema and its tables, or upgrades them, in one transaction under the same
 * lock, so any number of processes may open a fresh database at once. At most {@link
 * #MAX_CONNECTIONS} connections per catalog are in use at once.
 */
public final class PostgresCatalog extends JdbcCatalog {

  /** How many connections one catalog uses at most at once. */
  public static final int MAX_CONNECTIONS = 8;

  /** How long one wait for a lock may last before the transaction is retried. */
  public static final int LOCK_TIMEOUT_SECONDS = 5;

  /**
   * How long the server lets a session sit idle inside a transaction; frees the write lock of a
   * client that hung or lost its network in the middle of a transaction.
   */
  public static final int IDLE_IN_TRANSACTION_TIMEOUT_SECONDS = 60;

  // First key of the advisory lock ("msct"); the second is the schema's hash.
  private static final int LOCK_CLASS = 0x6d736374;

  private static final Set<String> RETRYABLE =
      Set.of(
          "40001", // serialization_failure
          "40P01", // deadlock_detected
          "55P03", // lock_not_available: our lock_timeout
          "57P03"); // cannot_connect_now: the server is starting up

  private static final Set<String> CONNECTION_LOST =
      Set.of(
          "08000", // connection_exception
          "08003", // connection_does_not_exist
          "08006", // connection_failure
          "57P01", // admin_shutdown
          "57P02", // crash_shutdown
          "57P05", // idle_session_timeout
          "25P03"); // idle_in_transaction_session_timeout

  private final PostgresUrl url;
  private final Driver driver = new Driver();
  private final String beginWrite;
  private final String beginRead;

  private PostgresCatalog(PostgresUrl url, Clock clock) {
    super(clock, url.where(), MAX_CONNECTIONS);
    this.url = url;
    // Settings are LOCAL to each transaction rather than set once per session, so they hold even
    // behind a pooler such as PgBouncer in transaction mode.
    String settings =
        "; SET LOCAL search_path TO "
            + quoted(url.schema())
            + "; SET LOCAL lock_timeout = '"
            + LOCK_TIMEOUT_SECONDS
            + "s'; SET LOCAL idle_in_transaction_session_timeout = '"
            + IDLE_IN_TRANSACTION_TIMEOUT_SECONDS
            + "s'";
    this.beginWrite =
        "SET TRANSACTION ISOLATION LEVEL READ COMMITTED"
            + settings
            + "; "
            + writeLockSql(url.schema());
    this.beginRead = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY" + settings;
  }

  /** The statement that takes the lock serializing the writers of {@code schema}. */
  static String writeLockSql(String schema) {
    return "SELECT pg_advisory_xact_lock(" + LOCK_CLASS + ", " + schema.hashCode() + ")";
  }

  /**
   * {@code url} with any password (in the user info or a {@code password} parameter) replaced by
   * {@code ***}, for messages that name a catalog URL.
   */
  public static String redact(String url) {
    return PostgresUrl.redact(url);
  }

  /**
   * Opens the catalog at {@code url}, creating its schema and tables if needed.
   *
   * @param url {@code postgresql://[user[:password]@]host[:port]/database[?param=value&…]}, or
   *     {@code postgres://…} or {@code jdbc:postgresql://…}; parameter {@code currentSchema} (or
   *     {@code schema}) names the schema that holds the tables ({@code public} by default); the
   *     password may also come from {@code PGPASSWORD} or {@code ~/.pgpass}
   * @throws CatalogException with a one-line message if the URL is malformed, the server cannot be
   *     reached, refuses the user, lacks the database, or holds a schema from a newer modelstash
   */
  public static PostgresCatalog open(String url) throws CatalogException {
    return open(url, Clock.systemUTC());
  }

  /** Opens the catalog with {@code clock} as the source of commit times. */
  public static PostgresCatalog open(String url, Clock clock) throws CatalogException {
    return open(url, clock, System.getenv());
  }

  /** Opens the catalog, taking what the URL leaves out from {@code env}. */
  static PostgresCatalog open(String url, Clock clock, Map<String, String> env)
      throws CatalogException {
    return migrated(new PostgresCatalog(PostgresUrl.parse(url, env), clock));
  }

  /** The schema that holds this catalog's tables. */
  public String schema() {
    return url.schema();
  }

  @Override
  protected Connection connect() throws SQLException {
    Connection c;
    try {
      c = driver.connect(url.jdbcUrl(), url.properties());
    } catch (SQLException e) {
      throw explainConnectFailure(e);
    }
    if (c == null) {
      throw new SQLException("pgjdbc does not accept URL " + url.jdbcUrl());
    }
    try {
      c.setAutoCommit(false);
      return c;
    } catch (SQLException | RuntimeException e) {
      try {
        c.close();
      } catch (SQLException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
  }

  // pgjdbc begins a transaction implicitly before the first statement, so these statements run
  // first in it (in one round trip): isolation, settings, and for a write the lock that
  // serializes writers.
  @Override
  protected void begin(Connection c, boolean write) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(write ? beginWrite : beginRead);
    }
  }

  @Override
  protected void commit(Connection c) throws SQLException {
    c.commit();
  }

  @Override
  protected void rollback(Connection c) throws SQLException {
    c.rollback();
  }

  @Override
  protected boolean isRetryable(SQLException e) {
    return hasState(e, RETRYABLE) || hasState(e, CONNECTION_LOST);
  }

  @Override
  protected boolean isConnectionLost(SQLException e) {
    return hasState(e, CONNECTION_LOST);
  }

  @Override
  protected void beforeMigrate(Connection c) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?")) {
      p.setString(1, url.schema());
      try (ResultSet rs = p.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
    }
    try (Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + quoted(url.schema()));
    } catch (SQLException e) {
      if ("42501".equals(e.getSQLState())) {
        throw new SQLException(
            "user "
                + url.user()
                + " may not create schema "
                + url.schema()
                + " in database "
                + url.database()
                + " (ask its owner to run: CREATE SCHEMA "
                + url.schema()
                + " AUTHORIZATION "
                + url.user()
                + ")",
            e.getSQLState(),
            e);
      }
      throw e;
    }
  }

  @Override
  protected String bytewise(String expression) {
    return expression + " COLLATE \"C\"";
  }

  private static String quoted(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /** Whether {@code e} or an exception chained to it has one of {@code states}. */
  private static boolean hasState(SQLException e, Set<String> states) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        for (SQLException n = s; n != null; n = n.getNextException()) {
          if (n.getSQLState() != null && states.contains(n.getSQLState())) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** A one-line message saying what went wrong while connecting and what to do about it. */
  private SQLException explainConnectFailure(SQLException e) {
    String state = String.valueOf(e.getSQLState());
    String server = serverMessage(e);
    String at = "PostgreSQL at " + String.join(",", url.hosts());
    String message;
    switch (state) {
      case "28P01" ->
          message =
              "password authentication failed for user "
                  + url.user()
                  + ": fix the user/password in --catalog or PGPASSWORD";
      case "28000" ->
          message =
              at + " refused user " + url.user() + ": " + server + " (check the user in --catalog)";
      case "3D000" ->
          message =
              "database "
                  + url.database()
                  + " does not exist: create it with createdb "
                  + url.database();
      case "53300" -> message = at + " has no free connection: " + server;
      default -> {
        if (state.equals("08004") && server.contains("no password was provided")) {
          message =
              "the server wants a password for user "
                  + url.user()
                  + " and none was given: put it in --catalog, PGPASSWORD or ~/.pgpass";
        } else if (hasCause(e, UnknownHostException.class)) {
          message =
              "unknown host in "
                  + String.join(",", url.hosts())
                  + ": check the host name in --catalog";
        } else if (hasCause(e, SocketTimeoutException.class)
            || String.valueOf(e.getMessage()).contains("timed out")) {
          message =
              "no answer from "
                  + at
                  + " within "
                  + url.connectTimeoutSeconds()
                  + " s: is PostgreSQL running and reachable? check --catalog";
        } else if (hasCause(e, ConnectException.class)
            || hasCause(e, NoRouteToHostException.class)) {
          message =
              "cannot connect to "
                  + at
                  + " (connection refused): is PostgreSQL running? check --catalog";
        } else if (state.startsWith("08")) {
          message =
              "cannot connect to "
                  + at
                  + " ("
                  + server
                  + "): is PostgreSQL running? check --catalog";
        } else {
          message = at + " refused the connection: " + server;
        }
      }
    }
    return new SQLException(message, e.getSQLState(), e);
  }

  private static String serverMessage(SQLException e) {
    if (e instanceof PSQLException p) {
      ServerErrorMessage m = p.getServerErrorMessage();
      if (m != null && m.getMessage() != null) {
        return m.getMessage().replace('\n', ' ').strip();
      }
    }
    return String.valueOf(e.getMessage()).replace('\n', ' ').strip();
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected String dialect() {
    return "postgres";
  }
}
