package io.modelstash.store.catalog.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.fail;

import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.CatalogException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees when the URL, the server or the credentials are wrong, and that it is quick. */
class PostgresCatalogErrorsTest {

  private static final String PASSWORD = "Sup3r-s3cret-pw";

  @TempDir Path dir;

  private static CatalogException openFails(String url, Map<String, String> env) {
    return catchThrowableOfType(
        CatalogException.class, () -> PostgresCatalog.open(url, Clock.systemUTC(), env).close());
  }

  /** Every message in the exception, its causes and suppressed exceptions, and its text. */
  private static List<String> allText(Throwable t) {
    List<String> out = new ArrayList<>();
    for (Throwable e = t; e != null; e = e.getCause()) {
      out.add(e.toString());
      for (Throwable s : e.getSuppressed()) {
        out.addAll(allText(s));
      }
    }
    return out;
  }

  private static void assertNoPassword(Throwable t, String password) {
    assertThat(allText(t)).isNotEmpty().noneMatch(s -> s.contains(password));
  }

  private static int unusedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void anUnreachableServerFailsInSecondsAndSaysWhatToCheck() throws Exception {
    int port = unusedPort();
    long started = System.nanoTime();
    CatalogException e =
        openFails("postgresql://someone:" + PASSWORD + "@127.0.0.1:" + port + "/models", Map.of());
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(e)
        .hasMessage(
            "Cannot open catalog postgresql://someone@127.0.0.1:"
                + port
                + "/models: cannot connect to PostgreSQL at 127.0.0.1:"
                + port
                + " (connection refused): is PostgreSQL running? check --catalog");
    assertNoPassword(e, PASSWORD);
  }

  @Test
  void aServerThatNeverAnswersFailsAfterTheConnectTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      int port = silent.getLocalPort();
      long started = System.nanoTime();
      CatalogException e =
          openFails(
              "postgresql://someone:"
                  + PASSWORD
                  + "@127.0.0.1:"
                  + port
                  + "/models?connect_timeout=1",
              Map.of());
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
      assertThat(e)
          .hasMessageEndingWith(
              ": no answer from PostgreSQL at 127.0.0.1:"
                  + port
                  + " within 1 s: is PostgreSQL running and reachable? check --catalog");
      assertNoPassword(e, PASSWORD);
    }
  }

  @Test
  void anUnknownHostIsNamed() {
    CatalogException e =
        openFails("postgresql://someone:" + PASSWORD + "@no-such-host.invalid/models", Map.of());
    assertThat(e)
        .hasMessage(
            "Cannot open catalog postgresql://someone@no-such-host.invalid:5432/models: unknown host"
                + " in no-such-host.invalid:5432: check the host name in --catalog");
    assertNoPassword(e, PASSWORD);
  }

  /** The test server's URL with {@code password} (none when null) and {@code database}. */
  private static String serverUrl(String password, String database) throws Exception {
    PostgresUrl u = PostgresTestServer.parsed();
    return "postgresql://"
        + u.user()
        + (password == null ? "" : ":" + password)
        + "@"
        + String.join(",", u.hosts())
        + "/"
        + database;
  }

  private static String serverPassword() throws Exception {
    String pw = PostgresTestServer.parsed().properties().getProperty("password");
    if (pw == null) {
      String reason = PostgresTestServer.ENV + " has no password, which this test needs";
      if ("true".equals(System.getenv("CI"))) {
        fail(reason);
      }
      Assumptions.abort(reason + "; skipping");
    }
    return pw;
  }

  @Test
  void aWrongPasswordIsReportedWithoutShowingIt() throws Exception {
    PostgresUrl server = PostgresTestServer.parsed();
    CatalogException e = openFails(serverUrl(PASSWORD, server.database()), Map.of());
    assertThat(e)
        .hasMessage(
            "Cannot open catalog "
                + server.where()
                + ": password authentication failed for user "
                + server.user()
                + ": fix the user/password in --catalog or PGPASSWORD");
    assertNoPassword(e, PASSWORD);

    CatalogException fromEnv =
        openFails(serverUrl(null, server.database()), Map.of("PGPASSWORD", PASSWORD));
    assertThat(fromEnv).hasMessage(e.getMessage());
    assertNoPassword(fromEnv, PASSWORD);
  }

  @Test
  void aMissingDatabaseIsNamedWithTheCommandThatCreatesIt() throws Exception {
    String pw = serverPassword();
    CatalogException e = openFails(serverUrl(pw, "modelstash_no_such_db"), Map.of());
    assertThat(e)
        .hasMessageEndingWith(
            "/modelstash_no_such_db: database modelstash_no_such_db does not exist: create it with"
                + " createdb modelstash_no_such_db");
    // (dev-postgres.sh's password equals the user name, which the message names)
    if (!e.getMessage().contains(pw)) {
      assertNoPassword(e, pw);
    }
  }

  @Test
  void thePasswordMayComeFromPgpasswordOrAPgpassFile() throws Exception {
    String pw = serverPassword();
    PostgresUrl server = PostgresTestServer.parsed();
    String noPassword = serverUrl(null, server.database());
    try (Catalog c =
        PostgresCatalog.open(noPassword, Clock.systemUTC(), Map.of("PGPASSWORD", pw))) {
      assertThat(c.listPaths()).isNotNull();
    }

    Path pgpass = dir.resolve("pgpass");
    String[] hostPort = server.hosts().get(0).split(":");
    Files.writeString(
        pgpass,
        String.join(":", hostPort[0], hostPort[1], server.database(), server.user(), pw) + "\n");
    Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
    String property = "org.postgresql.pgpassfile";
    String before = System.getProperty(property);
    System.setProperty(property, pgpass.toString());
    try (Catalog c = PostgresCatalog.open(noPassword, Clock.systemUTC(), Map.of())) {
      assertThat(c.listPaths()).isNotNull();
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }

  @Test
  void aMissingPasswordSaysWhereToPutIt() throws Exception {
    serverPassword();
    PostgresUrl server = PostgresTestServer.parsed();
    String property = "org.postgresql.pgpassfile";
    String before = System.getProperty(property);
    System.setProperty(property, dir.resolve("no-pgpass").toString());
    try {
      CatalogException e = openFails(serverUrl(null, server.database()), Map.of());
      Assumptions.assumeTrue(e != null, "the server lets the user in without a password");
      assertThat(e)
          .hasMessage(
              "Cannot open catalog "
                  + server.where()
                  + ": the server wants a password for user "
                  + server.user()
                  + " and none was given: put it in --catalog, PGPASSWORD or ~/.pgpass");
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }
}
