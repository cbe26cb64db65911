package io.modelstash.store.catalog.sqlite;

import io.modelstash.store.catalog.CatalogException;
import io.modelstash.store.catalog.jdbc.JdbcCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The catalog in one SQLite file (xerial sqlite-jdbc).
 *
 * <p>Connections use WAL journaling (readers never block the writer), {@code synchronous=FULL} (a
 * returned commit survives power loss), enforced foreign keys and a busy timeout. Every write
 * transaction starts with {@code BEGIN IMMEDIATE}, which takes SQLite's single write lock up front,
 * so concurrent commits from threads or processes serialize instead of failing halfway; lock
 * contention that outlasts the busy timeout is retried by {@link JdbcCatalog}.
 */
public final class SqliteCatalog extends JdbcCatalog {

  /** How long SQLite itself waits for a lock before reporting it busy. */
  public static final int BUSY_TIMEOUT_MILLIS = 5_000;

  private final String url;
  private final SQLiteConfig config;

  private SqliteCatalog(Path file, Clock clock) {
    super(clock, file.toString());
    this.url = "jdbc:sqlite:" + file;
    this.config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
  }

  /** Opens the catalog in {@code file}, creating it (and its schema) if needed. */
  public static SqliteCatalog open(Path file) throws CatalogException {
    return open(file, Clock.systemUTC());
  }

  /** Opens the catalog with {@code clock} as the source of commit times. */
  public static SqliteCatalog open(Path file, Clock clock) throws CatalogException {
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw new CatalogException(
          "Cannot open catalog " + abs + ": folder " + dir + " does not exist");
    }
    return migrated(new SqliteCatalog(abs, clock));
  }

  @Override
  protected Connection connect() throws SQLException {
    return config.createConnection(url);
  }

  // Autocommit stays on and transactions are explicit statements, so reads can use deferred
  // transactions while writes take the write lock at BEGIN.
  @Override
  protected void begin(Connection c, boolean write) throws SQLException {
    execute(c, write ? "BEGIN IMMEDIATE" : "BEGIN");
  }

  @Override
  protected void commit(Connection c) throws SQLException {
    execute(c, "COMMIT");
  }

  @Override
  protected void rollback(Connection c) throws SQLException {
    try {
      execute(c, "ROLLBACK");
    } catch (SQLException e) {
      // SQLite already rolled back (e.g. after a failed COMMIT or an I/O error); nothing is open.
      if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
        throw e;
      }
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Override
  protected boolean isRetryable(SQLException e) {
    if (e instanceof SQLiteException) {
      SQLiteErrorCode code = ((SQLiteException) e).getResultCode();
      int primary = code.code & 0xff;
      return primary == SQLiteErrorCode.SQLITE_BUSY.code
          || primary == SQLiteErrorCode.SQLITE_LOCKED.code;
    }
    int primary = e.getErrorCode() & 0xff;
    return primary == SQLiteErrorCode.SQLITE_BUSY.code
        || primary == SQLiteErrorCode.SQLITE_LOCKED.code;
  }

  // The upgrade to schema 3 copies the chunk tables, which leaves the old pages free inside the
  // file; VACUUM gives them back. Only space is at stake: if another process holds the database
  // busy, the free pages are simply reused as the catalog grows.
  @Override
  protected void afterUpgrade(int from) {
    try (Connection c = connect()) {
      execute(c, "VACUUM");
    } catch (SQLException e) {
      // see above
    }
  }

  @Override
  protected String dialect() {
    return "sqlite";
  }
}
