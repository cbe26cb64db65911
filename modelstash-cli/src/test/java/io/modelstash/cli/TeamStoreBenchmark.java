package io.modelstash.cli;

import io.modelstash.s3.S3BlobStore;
import io.modelstash.s3.testing.S3ProxyServer;
import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.PutResult;
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
 * Measures put and get of real checkpoint files through {@link ModelStash} on the three store
 * setups side by side, in one warm JVM: a local store directory (SQLite + files), PostgreSQL +
 * S3Proxy on loopback (the team setup), and SQLite + S3Proxy (to separate the two services' costs).
 * Not a unit test: {@code bench/team.sh} runs it and the report puts its JSON into {@code
 * docs/BENCHMARKS.md}.
 *
 * <p>Arguments: the folder of checkpoints (every {@code *.pt} under it, in name order), a work
 * folder, and the JSON output file. PostgreSQL is the one {@code MODELSTASH_TEST_POSTGRES} names
 * (the benchmark creates and drops a schema in it). Every file is put in order as versions of one
 * path, then every version is read back and compared by SHA-256; a first round on a scratch store
 * warms up the JIT.
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
      // warm-up on a scratch local store: class loading and JIT, not measured
      try (ModelStash warm = ModelStash.open(work.resolve("warm"))) {
        run(warm, files.subList(0, Math.min(3, files.size())), work);
      }
      try (ModelStash local = ModelStash.open(work.resolve("local"))) {
        rows.add(row("local directory (SQLite + files)", run(local, files, work), raw));
      }
      String url = PostgresTestServer.url(schema);
      try (ModelStash team =
          ModelStash.using(
              work.resolve("team"),
              PostgresCatalog.open(url),
              S3BlobStore.open(s3.location("s3://bench/team")))) {
        rows.add(row("PostgreSQL + S3Proxy (team)", run(team, files, work), raw));
      } finally {
        dropSchema(schema);
      }
      Files.createDirectories(work.resolve("mixed"));
      try (ModelStash mixed =
          ModelStash.using(
              work.resolve("mixed"),
              SqliteCatalog.open(work.resolve("mixed").resolve("catalog.db")),
              S3BlobStore.open(s3.location("s3://bench/mixed")))) {
        rows.add(row("SQLite + S3Proxy", run(mixed, files, work), raw));
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
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

  private record Timing(double putSeconds, double getSeconds, long stored) {}

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
