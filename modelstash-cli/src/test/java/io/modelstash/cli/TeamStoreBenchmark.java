package io.modelstash.cli;

import io.modelstash.s3.S3BlobStore;
import io.modelstash.s3.testing.S3ProxyServer;
import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.PutResult;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.postgres.PostgresCatalog;
import io.modelstash.store.catalog.postgres.PostgresTestServer;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Measures put and get of real checkpoint files through {@link ModelStash} on four store setups
 * side by side, in one warm JVM: a local store directory (SQLite + files), PostgreSQL + S3Proxy on
 * loopback (the team setup), and PostgreSQL + files and SQLite + S3Proxy (to separate the two
 * services' costs). Not a unit test: {@code bench/team.sh} runs it and the report puts its JSON
 * into {@code docs/BENCHMARKS.md}.
 *
 * <p>Arguments: the folder of checkpoints (every {@code *.pt} under it, in name order), a work
 * folder, and the JSON output file. PostgreSQL is the one {@code MODELSTASH_TEST_POSTGRES} names
 * (the benchmark creates and drops a schema in it). Every file is put in order as versions of one
 * path, then every version is read back and compared by SHA-256. A first round on scratch stores
 * warms up the JIT; then two rounds interleave the setups, each on a fresh store, and the faster
 * round of each setup counts. S3Proxy runs inside this JVM, on the same cores.
 */
public final class TeamStoreBenchmark {
  private TeamStoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: TeamStoreBenchmark CHECKPOINT_DIR WORK_DIR OUT.json");
      System.exit(2);
    }
    Path src = Path.of(args[0]);
    Path work = Files.createDirectories(Path.of(args[1]));
    Path outFile = Path.of(args[2]);
    List<Path> files;
    try (Stream<Path> s = Files.walk(src)) {
      files = s.filter(p -> p.toString().endsWith(".pt")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("No .pt files under " + src);
    }
    long raw = 0;
    for (Path f : files) {
      raw += Files.size(f);
    }
    String schema = PostgresTestServer.freshSchema();
    List<Map<String, Object>> rows = new ArrayList<>();
    try (S3ProxyServer s3 = S3ProxyServer.start(work.resolve("s3proxy"))) {
      s3.createBucket("bench");
      // warm-up on scratch stores, local and S3 (S3Proxy runs in this JVM): class loading and
      // JIT, not measured
      List<Path> few = files.subList(0, Math.min(3, files.size()));
      try (ModelStash warm = ModelStash.open(work.resolve("warm"))) {
        run(warm, few, work);
      }
      try (ModelStash warm =
          ModelStash.using(
              work.resolve("warm-s3"),
              SqliteCatalog.open(work.resolve("warm").resolve("catalog-s3.db")),
              S3BlobStore.open(s3.location("s3://bench/warm")))) {
        run(warm, few, work);
      }
      List<Setup> setups =
          List.of(
              new Setup("local directory (SQLite + files)", dir -> ModelStash.open(dir)),
              new Setup(
                  "PostgreSQL + S3Proxy (team)",
                  dir ->
                      ModelStash.using(
                          dir,
                          PostgresCatalog.open(PostgresTestServer.url(schemaOf(dir))),
                          S3BlobStore.open(s3.location("s3://bench/" + dir.getFileName())))),
              new Setup(
                  "PostgreSQL + files",
                  dir ->
                      ModelStash.using(
                          dir,
                          PostgresCatalog.open(PostgresTestServer.url(schemaOf(dir))),
                          LocalBlobStore.open(dir))),
              new Setup(
                  "SQLite + S3Proxy",
                  dir ->
                      ModelStash.using(
                          dir,
                          SqliteCatalog.open(Files.createDirectories(dir).resolve("catalog.db")),
                          S3BlobStore.open(s3.location("s3://bench/" + dir.getFileName())))));
      Map<String, Timing> best = new LinkedHashMap<>();
      // rounds interleave the setups so that no setup alone gets the warmest JIT or disk
      for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < setups.size(); i++) {
          Setup setup = setups.get(i);
          Path dir = work.resolve(schema + "_" + round + "_" + i);
          Timing t;
          try (ModelStash stash = setup.open().open(dir)) {
            t = run(stash, files, work);
          } finally {
            dropSchema(schemaOf(dir));
          }
          best.merge(setup.name(), t, Timing::faster);
        }
      }
      for (Map.Entry<String, Timing> e : best.entrySet()) {
        rows.add(row(e.getKey(), e.getValue(), raw));
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put(
        "date",
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(java.time.ZoneOffset.UTC)
            .format(java.time.Instant.now()));
    doc.put("files", files.size());
    doc.put("raw_bytes", raw);
    doc.put("rows", rows);
    try (java.io.PrintWriter w =
        new java.io.PrintWriter(Files.newBufferedWriter(outFile, StandardCharsets.UTF_8))) {
      Output.json(w, doc);
    }
    PrintStream out = System.out;
    for (Map<String, Object> r : rows) {
      out.printf(
          Locale.ROOT,
          "%-34s put %6.1f MB/s  get %6.1f MB/s%n",
          r.get("setup"),
          r.get("put_mbps"),
          r.get("get_mbps"));
    }
  }

  private static final int ROUNDS = 2;

  /** Opens a fresh store of one setup in a folder. */
  private interface Opener {
    ModelStash open(Path dir) throws IOException;
  }

  private record Setup(String name, Opener open) {}

  /** The PostgreSQL schema of the store in {@code dir}: its folder name, which is unique. */
  private static String schemaOf(Path dir) {
    return dir.getFileName().toString();
  }

  private record Timing(double putSeconds, double getSeconds, long stored) {
    Timing faster(Timing other) {
      return new Timing(
          Math.min(putSeconds, other.putSeconds), Math.min(getSeconds, other.getSeconds), stored);
    }
  }

  private static Timing run(ModelStash stash, List<Path> files, Path work) throws IOException {
    ModelPath path = ModelPath.parse("bench/run");
    List<PutResult> puts = new ArrayList<>();
    long t0 = System.nanoTime();
    for (Path f : files) {
      puts.add(stash.put(path, f, PutOptions.none()));
    }
    long t1 = System.nanoTime();
    Path out = Files.createTempFile(work, "restore", ".pt");
    for (PutResult p : puts) {
      stash.get(p.id().toRef(), out);
      Digest got;
      try (InputStream in = Files.newInputStream(out)) {
        got = Digest.of(in);
      }
      if (!got.equals(p.sha256())) {
        throw new IllegalStateException(p.id() + " came back different");
      }
      Files.delete(out);
    }
    long t2 = System.nanoTime();
    long stored = stash.stats(java.util.Optional.empty()).storedBytes();
    return new Timing((t1 - t0) / 1e9, (t2 - t1) / 1e9, stored);
  }

  private static Map<String, Object> row(String setup, Timing t, long raw) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("setup", setup);
    m.put("put_seconds", round(t.putSeconds()));
    m.put("get_seconds", round(t.getSeconds()));
    m.put("put_mbps", round(raw / 1e6 / t.putSeconds()));
    m.put("get_mbps", round(raw / 1e6 / t.getSeconds()));
    m.put("stored_bytes", t.stored());
    return m;
  }

  private static double round(double x) {
    return Math.round(x * 100) / 100.0;
  }

  private static void dropSchema(String schema) {
    try {
      PostgresTestServer.drop(schema);
    } catch (Exception e) {
      // a leftover schema only costs space in a scratch database
      System.err.println("could not drop schema " + schema + ": " + e.getMessage());
    }
  }
}
