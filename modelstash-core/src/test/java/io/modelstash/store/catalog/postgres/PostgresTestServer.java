package io.modelstash.store.catalog.postgres;

import static org.junit.jupiter.api.Assertions.fail;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.postgresql.Driver;

/**
 * The PostgreSQL server the tests use: the libpq URL in {@code MODELSTASH_TEST_POSTGRES} names a
 * database in which the tests may create and drop schemas ({@code scripts/dev-postgres.sh start}
 * prints one). Without it the tests skip, or fail when {@code CI=true}.
 */
public final class PostgresTestServer {

  static final String ENV = "MODELSTASH_TEST_POSTGRES";

  private static final SecureRandom RANDOM = new SecureRandom();

  private PostgresTestServer() {}

  /** The server's URL; aborts (or fails under CI) the calling test when none is configured. */
  public static String url() {
    String url = System.getenv(ENV);
    if (url != null && !url.isBlank()) {
      return url.strip();
    }
    String reason =
        ENV
            + " is not set (run scripts/dev-postgres.sh start and export the URL it prints, e.g."
            + " postgresql://modelstash:modelstash@127.0.0.1:5432/modelstash_test)";
    if ("true".equals(System.getenv("CI"))) {
      fail(reason + "; PostgreSQL tests must run when CI=true");
    }
    Assumptions.abort(reason + "; skipping PostgreSQL test");
    throw new AssertionError("unreachable");
  }

  /** The server's URL parsed, for opening connections of the test's own. */
  static PostgresUrl parsed() throws Exception {
    return PostgresUrl.parse(url(), Map.of());
  }

  /** A schema name no other test uses. */
  public static String freshSchema() {
    byte[] b = new byte[6];
    RANDOM.nextBytes(b);
    return "test_" + HexFormat.of().formatHex(b);
  }

  /** The server's URL with {@code currentSchema=schema} added. */
  public static String url(String schema) {
    String base = url();
    return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  /** A plain connection (autocommit) to the server's database, for inspecting and sabotaging. */
  static Connection connect() throws Exception {
    PostgresUrl u = parsed();
    Connection c = new Driver().connect(u.jdbcUrl(), u.properties());
    if (c == null) {
      throw new SQLException("pgjdbc refused " + u);
    }
    return c;
  }

  /** Drops {@code schema} and everything in it, if it exists. */
  public static void drop(String schema) throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
