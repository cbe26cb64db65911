package io.modelstash.store.catalog.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.CatalogContract;
import io.modelstash.store.catalog.CatalogException;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.MutableClock;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteCatalogTest extends CatalogContract {

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("catalog.db");
  }

  @Override
  protected Catalog newCatalog(MutableClock clock) throws CatalogException {
    return SqliteCatalog.open(file(), clock);
  }

  @Override
  protected String locationForOtherProcesses() {
    return file().toString();
  }

  private List<String> query(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file());
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Test
  void usesWalAndRecordsSchemaVersionFour() throws Exception {
    assertThat(query("PRAGMA journal_mode")).containsExactly("wal");
    assertThat(query("SELECT version FROM schema_version")).containsExactly("4");
  }

  @Test
  void keepsEverythingAcrossReopening() throws Exception {
    catalog().commit(version(MODEL, 1, chunk("a", 10)));
    VersionId v2 = catalog().commit(version(MODEL, 2));
    catalog().tag(v2, BEST);
    catalog().removeVersion(v2, true);
    catalog().close();
    try (Catalog again = SqliteCatalog.open(file(), clock)) {
      assertThat(again.log(MODEL)).hasSize(1);
      assertThat(again.hasChunk(chunk("a", 10).id())).isTrue();
      assertThat(again.commit(version(MODEL, 3)).number()).isEqualTo(3);
    }
    assertThat(query("SELECT version FROM schema_version")).containsExactly("4");
  }

  @Test
  void upgradesACatalogOfSchemaOne() throws Exception {
    catalog().close();
    java.nio.file.Files.delete(file());
    String v1;
    try (java.io.InputStream in =
        SqliteCatalogTest.class.getResourceAsStream(
            "/io/modelstash/store/catalog/jdbc/schema-v1.sql")) {
      v1 = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    StringBuilder sql = new StringBuilder();
    for (String line : v1.split("\n")) {
      if (!line.strip().startsWith("--")) {
        sql.append(line).append('\n');
      }
    }
    for (String stmt : sql.toString().split(";")) {
      if (!stmt.isBlank()) {
        execute(stmt);
      }
    }
    execute("CREATE TABLE schema_version (version BIGINT NOT NULL)");
    execute("INSERT INTO schema_version (version) VALUES (1)");
    execute("INSERT INTO model_paths VALUES ('proj/exp/model', 1, 0)");
    String sha = "a".repeat(64);
    String delta = "0123456789abcdef".repeat(4);
    execute(
        "INSERT INTO versions VALUES ('proj/exp/model', 1, 0, '"
            + sha
            + "', 5, 5, '"
            + sha
            + "', 'raw', NULL, NULL)");
    execute("INSERT INTO version_metrics VALUES ('proj/exp/model', 1, 'loss', 0.5)");
    execute("INSERT INTO chunks VALUES ('" + sha + "', 3, 5, 1, NULL, 0, 0)");
    execute("INSERT INTO version_chunks VALUES ('proj/exp/model', 1, '" + sha + "')");
    execute("INSERT INTO chunks VALUES ('" + delta + "', 2, 5, 4, '" + sha + "', 0, 0)");
    execute("INSERT INTO version_chunks VALUES ('proj/exp/model', 1, '" + delta + "')");
    try (Catalog upgraded = SqliteCatalog.open(file(), clock)) {
      assertThat(query("SELECT version FROM schema_version")).containsExactly("4");
      assertThat(upgraded.resolve(Ref.parse("proj/exp/model@min:loss"))).isPresent();
      assertThat(upgraded.versionChunks(new VersionId(MODEL, 1)))
          .containsExactlyInAnyOrder(
              new ChunkInfo(Digest.parse(sha), 3, 5, 1, Optional.empty()),
              new ChunkInfo(Digest.parse(delta), 2, 5, 4, Optional.of(Digest.parse(sha))));
      assertThat(upgraded.sweepFence().generation()).isZero();
      assertThat(upgraded.commit(version(MODEL, 2)).number()).isEqualTo(2);
    }
  }

  @Test
  void writesNothingOnceANewerModelstashUpgradedTheOpenCatalog() throws Exception {
    catalog().commit(version(MODEL, 1));
    execute("UPDATE schema_version SET version = 5");
    assertThatThrownBy(() -> catalog().commit(version(MODEL, 2)))
        .isInstanceOf(CatalogException.class)
        .hasMessage(
            "Cannot commit a version of proj/exp/model in catalog "
                + file().toAbsolutePath()
                + ": its schema changed to version 5 while this modelstash (schema 4) had it"
                + " open, so a newer modelstash upgraded it; nothing was written (upgrade"
                + " modelstash here too)");
    assertThat(catalog().log(MODEL)).hasSize(1); // reads still work
  }

  @Test
  void refusesACatalogFromANewerModelstash() throws Exception {
    catalog().close();
    execute("UPDATE schema_version SET version = 5");
    assertThatThrownBy(() -> SqliteCatalog.open(file()))
        .isInstanceOf(CatalogException.class)
        .hasMessage(
            "Cannot open catalog "
                + file().toAbsolutePath()
                + ": it was created by a newer modelstash (schema 5 > 4); upgrade modelstash");
  }

  @Test
  void refusesAMissingFolder() {
    assertThatThrownBy(() -> SqliteCatalog.open(dir.resolve("no/such/catalog.db")))
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining("does not exist");
  }
}
