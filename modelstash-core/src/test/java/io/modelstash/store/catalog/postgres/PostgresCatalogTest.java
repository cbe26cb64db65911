package io.modelstash.store.catalog.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.CatalogContract;
import io.modelstash.store.catalog.CatalogException;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.MutableClock;
import io.modelstash.store.catalog.NewVersion;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The catalog contract, and what is particular to PostgreSQL, each test in a fresh schema. */
class PostgresCatalogTest extends CatalogContract {

  private final List<String> schemas = Collections.synchronizedList(new ArrayList<>());
  private String schema;

  @Override
  protected Catalog newCatalog(MutableClock clock) throws CatalogException {
    schema = fresh();
    return PostgresCatalog.open(PostgresTestServer.url(schema), clock);
  }

  @Override
  protected String locationForOtherProcesses() {
    return PostgresTestServer.url(schema);
  }

  private String fresh() {
    String s = PostgresTestServer.freshSchema();
    schemas.add(s);
    return s;
  }

  @AfterEach
  void dropSchemas() throws Exception {
    for (String s : schemas) {
      PostgresTestServer.drop(s);
    }
  }

  private List<String> query(String sql, Object... args) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = PostgresTestServer.connect();
        PreparedStatement p = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  private void execute(String sql) throws Exception {
    try (Connection c = PostgresTestServer.connect();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Test
  void keepsItsTablesInItsOwnSchemaAtTheLatestVersion() throws Exception {
    assertThat(query("SELECT version FROM " + schema + ".schema_version")).containsExactly("4");
    assertThat(
            query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
                    + " ORDER BY table_name",
                schema))
        .containsExactly(
            "aliases",
            "chunks",
            "gc_sweeps",
            "model_paths",
            "schema_version",
            "store_identity",
            "swept_manifests",
            "version_chunks",
            "version_metrics",
            "version_params",
            "versions");
    assertThat(((PostgresCatalog) catalog()).schema()).isEqualTo(schema);
    assertThat(catalog().toString()).contains("?currentSchema=" + schema);
  }

  @Test
  void keepsEverythingAcrossReopening() throws Exception {
    catalog().commit(version(MODEL, 1, chunk("a", 10)));
    VersionId v2 = catalog().commit(version(MODEL, 2));
    catalog().tag(v2, BEST);
    catalog().removeVersion(v2, true);
    catalog().close();
    try (Catalog again = PostgresCatalog.open(PostgresTestServer.url(schema), clock)) {
      assertThat(again.log(MODEL)).hasSize(1);
      assertThat(again.hasChunk(chunk("a", 10).id())).isTrue();
      assertThat(again.commit(version(MODEL, 3)).number()).isEqualTo(3);
    }
  }

  @Test
  void storesInSeparateSchemasOfOneDatabaseAreIndependent() throws Exception {
    String other = fresh();
    try (Catalog second = PostgresCatalog.open(PostgresTestServer.url(other), clock)) {
      assertThat(catalog().commit(version(MODEL, 1)).number()).isEqualTo(1);
      assertThat(catalog().commit(version(MODEL, 2)).number()).isEqualTo(2);
      assertThat(second.commit(version(MODEL, 5)).number()).isEqualTo(1);
      assertThat(second.log(MODEL)).hasSize(1);
      assertThat(catalog().log(MODEL)).hasSize(2);
    }
  }

  @Test
  void eightOpenersOfAFreshSchemaCreateItOnce() throws Exception {
    String s = fresh();
    int openers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(openers);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Long>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < openers; i++) {
        int id = i;
        Callable<Long> task =
            () -> {
              start.await();
              try (Catalog c = PostgresCatalog.open(PostgresTestServer.url(s), clock)) {
                return c.commit(version(MODEL, id)).number();
              }
            };
        futures.add(pool.submit(task));
      }
      start.countDown();
      List<Long> numbers = new ArrayList<>();
      for (Future<Long> f : futures) {
        numbers.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(numbers)
          .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, openers).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
    assertThat(query("SELECT version FROM " + s + ".schema_version")).containsExactly("4");
  }

  @Test
  void writesNothingOnceANewerModelstashUpgradedTheOpenSchema() throws Exception {
    catalog().commit(version(MODEL, 1));
    execute("UPDATE " + schema + ".schema_version SET version = 5");
    assertThatThrownBy(() -> catalog().commit(version(MODEL, 2)))
        .isInstanceOf(CatalogException.class)
        .hasMessageEndingWith(
            ": its schema changed to version 5 while this modelstash (schema 4) had it open, so a"
                + " newer modelstash upgraded it; nothing was written (upgrade modelstash here"
                + " too)");
    assertThat(catalog().log(MODEL)).hasSize(1);
  }

  @Test
  void refusesASchemaFromANewerModelstash() throws Exception {
    catalog().close();
    execute("UPDATE " + schema + ".schema_version SET version = 5");
    assertThatThrownBy(() -> PostgresCatalog.open(PostgresTestServer.url(schema)))
        .isInstanceOf(CatalogException.class)
        .hasMessage(
            "Cannot open catalog "
                + PostgresTestServer.parsed().where()
                + "?currentSchema="
                + schema
                + ": it was created by a newer modelstash (schema 5 > 4); upgrade modelstash");
  }

  @Test
  void upgradesACatalogOfSchemaOne() throws Exception {
    String s = fresh();
    StringBuilder sql = new StringBuilder();
    try (InputStream in =
        PostgresCatalogTest.class.getResourceAsStream(
            "/io/modelstash/store/catalog/jdbc/schema-v1.sql")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.strip().startsWith("--")) {
          sql.append(line).append('\n');
        }
      }
    }
    String sha = "a".repeat(64);
    String delta = "0123456789abcdef".repeat(4);
    try (Connection c = PostgresTestServer.connect();
        Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + s);
      st.execute("SET search_path TO " + s);
      st.execute(sql.toString());
      st.execute("CREATE TABLE schema_version (version BIGINT NOT NULL)");
      st.execute("INSERT INTO schema_version (version) VALUES (1)");
      st.execute("INSERT INTO model_paths VALUES ('proj/exp/model', 1, 0)");
      st.execute(
          "INSERT INTO versions VALUES ('proj/exp/model', 1, 0, '"
              + sha
              + "', 5, 5, '"
              + sha
              + "', 'raw', NULL, NULL)");
      st.execute("INSERT INTO version_metrics VALUES ('proj/exp/model', 1, 'loss', 0.5)");
      st.execute("INSERT INTO chunks VALUES ('" + sha + "', 3, 5, 1, NULL, 0, 0)");
      st.execute("INSERT INTO version_chunks VALUES ('proj/exp/model', 1, '" + sha + "')");
      st.execute("INSERT INTO chunks VALUES ('" + delta + "', 2, 5, 4, '" + sha + "', 0, 0)");
      st.execute("INSERT INTO version_chunks VALUES ('proj/exp/model', 1, '" + delta + "')");
    }
    try (Catalog upgraded = PostgresCatalog.open(PostgresTestServer.url(s), clock)) {
      assertThat(query("SELECT version FROM " + s + ".schema_version")).containsExactly("4");
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
  void tiesBetweenPathsRankByteByByteWhateverTheCollation() throws Exception {
    for (String p : List.of("team/b", "team/B", "team/a")) {
      catalog()
          .commit(
              new NewVersion(
                  ModelPath.parse(p),
                  digest(p),
                  1,
                  1,
                  digest("m" + p),
                  "raw",
                  Optional.empty(),
                  Optional.empty(),
                  Map.of(),
                  Map.of("loss", 0.5),
                  List.of()));
    }
    // dev-postgres.sh creates databases that sort text by ICU rules (a, b, B), as most servers do
    assertThat(catalog().versionsByMetric(Optional.empty(), "loss", false, 3))
        .extracting(v -> v.id().path().toString())
        .containsExactly("team/B", "team/a", "team/b");
  }

  /** Opens this test's schema again under an application name that marks its connections. */
  private Catalog openMarked(String name) throws CatalogException {
    return PostgresCatalog.open(
        PostgresTestServer.url(schema) + "&application_name=" + name, clock);
  }

  @Test
  void connectionsTheServerDroppedAreReplaced() throws Exception {
    String name = "dropped_" + schema;
    try (Catalog c = openMarked(name)) {
      assertThat(c.commit(version(MODEL, 1)).number()).isEqualTo(1);
      assertThat(
              query(
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name"
                      + " = ?",
                  name))
          .isNotEmpty()
          .containsOnly("t");
      assertThat(c.commit(version(MODEL, 2)).number()).isEqualTo(2);
      assertThat(c.log(MODEL)).hasSize(2);
    }
  }

  @Test
  void aConnectionLostWhileCommittingLeavesTheOutcomeUnknown() throws Exception {
    // A deferred trigger makes COMMIT itself slow, so the connection can be cut in the middle of
    // it.
    execute(
        "CREATE FUNCTION "
            + schema
            + ".slow_commit() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$");
    execute(
        "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON "
            + schema
            + ".versions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "
            + schema
            + ".slow_commit()");
    String name = "cut_" + schema;
    try (Catalog c = openMarked(name)) {
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        Future<VersionId> commit = pool.submit(() -> c.commit(version(MODEL, 1)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<String> cut = List.of();
        while (cut.isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(20);
          cut =
              query(
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name"
                      + " = ? AND query = 'COMMIT' AND state = 'active'",
                  name);
        }
        assertThat(cut).as("a committing connection was cut").containsExactly("t");
        assertThatThrownBy(() -> commit.get(20, TimeUnit.SECONDS))
            .hasCauseInstanceOf(CatalogException.class)
            .cause()
            .hasMessageStartingWith("Cannot commit a version of " + MODEL + " in catalog ")
            .hasMessageContaining(
                "the connection broke while committing, so the outcome is unknown");
      } finally {
        pool.shutdownNow();
      }
      execute("DROP TRIGGER slow_commit ON " + schema + ".versions");
      // The server never finished that commit; the catalog goes on with a fresh connection.
      assertThat(c.log(MODEL)).isEmpty();
      assertThat(c.commit(version(MODEL, 2)).number()).isEqualTo(1);
    }
  }

  @Test
  void aWriterWaitsOutAnotherHoldingTheLockWhileReadersGoOn() throws Exception {
    VersionId v1 = catalog().commit(version(MODEL, 1));
    int hold = PostgresCatalog.LOCK_TIMEOUT_SECONDS + 1;
    try (Connection blocker = PostgresTestServer.connect()) {
      blocker.setAutoCommit(false);
      try (Statement s = blocker.createStatement()) {
        // The same lock a write transaction of this schema takes first.
        s.executeQuery(PostgresCatalog.writeLockSql(schema)).close();
      }
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try {
        long started = System.nanoTime();
        Future<VersionId> commit = pool.submit(() -> catalog().commit(version(MODEL, 2)));
        assertThat(catalog().resolve(v1.toRef())).isPresent();
        assertThat(commit.isDone()).as("the writer waits").isFalse();
        Thread.sleep(TimeUnit.SECONDS.toMillis(hold));
        assertThat(commit.isDone()).as("the writer still waits after a lock timeout").isFalse();
        blocker.rollback();
        assertThat(commit.get(30, TimeUnit.SECONDS).number()).isEqualTo(2);
        assertThat(System.nanoTime() - started).isGreaterThan(Duration.ofSeconds(hold).toNanos());
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void usesAtMostItsPoolOfConnections() throws Exception {
    String name = "pool_" + schema;
    int threads = 3 * PostgresCatalog.MAX_CONNECTIONS;
    AtomicLong most = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    try (Catalog c = openMarked(name)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
      try {
        Future<?> sampler =
            pool.submit(
                () -> {
                  try (Connection watch = PostgresTestServer.connect();
                      PreparedStatement p =
                          watch.prepareStatement(
                              "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
                    p.setString(1, name);
                    while (!done.get()) {
                      try (ResultSet rs = p.executeQuery()) {
                        rs.next();
                        most.accumulateAndGet(rs.getLong(1), Math::max);
                      }
                      Thread.sleep(2);
                    }
                  }
                  return null;
                });
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int id = t;
          writers.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 5; i++) {
                      c.commit(version(ModelPath.parse("w" + id), i));
                      c.log(ModelPath.parse("w" + id));
                    }
                    return null;
                  }));
        }
        for (Future<?> w : writers) {
          w.get(120, TimeUnit.SECONDS);
        }
        done.set(true);
        sampler.get(10, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }
      assertThat(c.listPaths()).hasSize(threads);
    }
    assertThat(most.get()).isBetween(2L, (long) PostgresCatalog.MAX_CONNECTIONS);
  }
}
