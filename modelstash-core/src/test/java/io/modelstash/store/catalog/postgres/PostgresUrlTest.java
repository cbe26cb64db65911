package io.modelstash.store.catalog.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.catalog.CatalogException;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PostgresUrlTest {

  private static PostgresUrl parse(String url) throws CatalogException {
    return PostgresUrl.parse(url, Map.of());
  }

  @Test
  void parsesALibpqUrl() throws Exception {
    PostgresUrl u =
        parse(
            "postgresql://alice:p%40ss%2Fw0rd@db.example.com:6543/my%20models"
                + "?sslmode=require&currentSchema=team_a");
    assertThat(u.hosts()).containsExactly("db.example.com:6543");
    assertThat(u.database()).isEqualTo("my models");
    assertThat(u.user()).isEqualTo("alice");
    assertThat(u.schema()).isEqualTo("team_a");
    Properties p = u.properties();
    assertThat(p.getProperty("password")).isEqualTo("p@ss/w0rd");
    assertThat(p.getProperty("user")).isEqualTo("alice");
    assertThat(p.getProperty("sslmode")).isEqualTo("require");
    assertThat(p.getProperty("connectTimeout")).isEqualTo("10");
    assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example.com:6543/my+models");
    assertThat(u.where())
        .isEqualTo("postgresql://alice@db.example.com:6543/my models?currentSchema=team_a");
    assertThat(u.toString()).isEqualTo(u.where());
  }

  @Test
  void acceptsThePostgresSchemeAndPgjdbcUrls() throws Exception {
    PostgresUrl short_ = parse("postgres://bob@localhost/models");
    assertThat(short_.where()).isEqualTo("postgresql://bob@localhost:5432/models");
    assertThat(short_.schema()).isEqualTo("public");
    assertThat(short_.hasPassword()).isFalse();

    PostgresUrl jdbc =
        parse("jdbc:postgresql://pg1:5433/models?user=carol&password=x%26y&schema=s1");
    assertThat(jdbc.where()).isEqualTo("postgresql://carol@pg1:5433/models?currentSchema=s1");
    assertThat(jdbc.properties().getProperty("password")).isEqualTo("x&y");
  }

  @Test
  void takesWhatTheUrlLeavesOutFromTheEnvironmentLikeLibpq() throws Exception {
    Map<String, String> env =
        Map.of(
            "PGHOST", "pg.internal",
            "PGPORT", "6000",
            "PGUSER", "dave",
            "PGDATABASE", "stash",
            "PGPASSWORD", "from-env");
    PostgresUrl all = PostgresUrl.parse("postgresql://", env);
    assertThat(all.where()).isEqualTo("postgresql://dave@pg.internal:6000/stash");
    assertThat(all.properties().getProperty("password")).isEqualTo("from-env");

    PostgresUrl given = PostgresUrl.parse("postgresql://erin:from-url@h/db", env);
    assertThat(given.where()).isEqualTo("postgresql://erin@h:6000/db");
    assertThat(given.properties().getProperty("password")).isEqualTo("from-url");

    PostgresUrl socket =
        PostgresUrl.parse("postgresql:///db", Map.of("PGHOST", "/var/run/postgresql"));
    assertThat(socket.hosts()).containsExactly("localhost:5432");
    assertThat(socket.user()).isEqualTo(System.getProperty("user.name"));
  }

  @Test
  void listsSeveralHostsAndIpv6Addresses() throws Exception {
    PostgresUrl u = parse("postgresql://u@[::1]:5433,standby,10.0.0.7:6000/db");
    assertThat(u.hosts()).containsExactly("[::1]:5433", "standby:5432", "10.0.0.7:6000");
    assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5433,standby:5432,10.0.0.7:6000/db");
  }

  @Test
  void mapsLibpqParameterNamesToPgjdbcProperties() throws Exception {
    Properties p =
        parse("postgresql://u@h/db?connect_timeout=3&application_name=trainer&socketTimeout=30")
            .properties();
    assertThat(p.getProperty("connectTimeout")).isEqualTo("3");
    assertThat(p.getProperty("loginTimeout")).isEqualTo("3");
    assertThat(p.getProperty("ApplicationName")).isEqualTo("trainer");
    assertThat(p.getProperty("socketTimeout")).isEqualTo("30");
    assertThat(p.getProperty("tcpKeepAlive")).isEqualTo("true");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "mysql://u:secret@h/db | : it is not a PostgreSQL URL",
        "postgresql://u:secret@h:99999/db | postgresql://u:***@h:99999/db: port '99999' is not",
        "postgresql://u:secret@h:54x/db | : port '54x' is not",
        "postgresql://u:secret@h/db?bogus=1 | : unknown parameter 'bogus'",
        "postgresql://u:sec/ret@h/db | postgresql://u:***@h/db: it has an '@' after the host",
        "postgresql://u:sec?ret@h/db | : it has an '@' after the host",
        "postgresql://u:secret@h/a/b | : the database name contains '/'",
        "postgresql://u:secret@h/db?currentSchema=Bad | : schema 'Bad' must be",
        "postgresql://u:secret@h/db?schema=pg_temp | : schema 'pg_temp' must be",
        "postgresql://u:secret@h/db?password | : parameter 'password' has no '=value'",
        "postgresql://u:secret@h/%zz | : it has a '%' not followed by two hex digits",
        "postgresql://u:secret@[::1/db | : host '[::1' lacks the closing ']'",
      })
  void refusesMalformedUrlsWithoutShowingThePassword(String url, String expected) {
    assertThatThrownBy(() -> parse(url))
        .isInstanceOf(CatalogException.class)
        .hasMessageStartingWith("Cannot open catalog ")
        .hasMessageContaining(expected)
        .hasMessageNotContaining("secret")
        .hasMessageNotContaining("sec/")
        .hasMessageNotContaining("ret@");
  }

  @Test
  void redactsPasswordsInUserInfoAndParameters() {
    assertThat(PostgresUrl.redact("postgresql://u:pw@h/db")).isEqualTo("postgresql://u:***@h/db");
    assertThat(PostgresUrl.redact("jdbc:postgresql://h/db?user=u&password=pw&ssl=true"))
        .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
    assertThat(PostgresUrl.redact("postgresql://u@h/db")).isEqualTo("postgresql://u@h/db");
  }
}
