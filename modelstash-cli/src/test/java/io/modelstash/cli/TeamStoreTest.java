package io.modelstash.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.s3.S3BlobStore;
import io.modelstash.s3.testing.S3ProxyServer;
import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.catalog.postgres.PostgresCatalog;
import io.modelstash.store.catalog.postgres.PostgresTestServer;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The team setup end to end, with real services: the catalog in PostgreSQL ({@code
 * MODELSTASH_TEST_POSTGRES}, see {@code scripts/dev-postgres.sh}) and the blobs in S3Proxy on
 * loopback, driven through real {@code modelstash} processes.
 */
class TeamStoreTest {
  private static final String BUCKET = "team-models";

  private static S3ProxyServer s3;

  @TempDir Path dir;

  private String schema;
  private String catalog;
  private String blobs;

  @BeforeAll
  static void startS3(@TempDir Path s3dir) throws IOException {
    s3 = S3ProxyServer.start(s3dir);
    s3.createBucket(BUCKET);
  }

  @AfterAll
  static void stopS3() throws IOException {
    if (s3 != null) {
      s3.close();
    }
  }

  @BeforeEach
  void freshStore() {
    schema = PostgresTestServer.freshSchema();
    catalog = PostgresTestServer.url(schema);
    blobs = "s3://" + BUCKET + "/" + schema;
  }

  @AfterEach
  void dropSchema() throws Exception {
    if (schema != null && System.getenv("MODELSTASH_TEST_POSTGRES") != null) {
      PostgresTestServer.drop(schema);
    }
  }

  private List<String> team(String... args) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "--catalog", catalog, "--blobs", blobs, "--s3-endpoint", s3.endpoint().toString()));
    all.addAll(List.of(args));
    return all;
  }

  private static Process start(List<String> args) throws IOException {
    ProcessBuilder pb = StoreProcessTest.command(args);
    Map<String, String> env = pb.environment();
    env.put("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY_ID);
    env.put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_ACCESS_KEY);
    env.put("AWS_REGION", "us-east-1");
    env.remove("MODELSTASH_STORE");
    return pb.start();
  }

  /** Runs a command to its end: exit code and everything it printed. */
  private record Result(int exit, String output) {}

  private static Result run(List<String> args) throws Exception {
    Process p = start(args);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("finished: " + args).isTrue();
    return new Result(p.exitValue(), out);
  }

  private static Result ok(List<String> args) throws Exception {
    Result r = run(args);
    assertThat(r.exit()).as(r.output()).isZero();
    return r;
  }

  private ModelStash openInProcess() throws IOException {
    // the test JVM has no AWS settings in its environment: the fixture's location carries them
    return ModelStash.using(
        dir.resolve("work"), PostgresCatalog.open(catalog), S3BlobStore.open(s3.location(blobs)));
  }

  @Test
  void initThenPutAndGetAcrossProcesses() throws Exception {
    Result init = ok(team("init"));
    assertThat(init.output())
        .contains("schema is current")
        .contains("bucket exists and takes writes")
        .doesNotContain("modelstash:modelstash@");
    Path f = StoreProcessTest.weights(dir, 1, 3);
    Result put = ok(team("put", "proj/exp/model", f.toString(), "--metric", "loss=0.5"));
    assertThat(put.output()).contains("proj/exp/model@1");
    Path back = dir.resolve("back.safetensors");
    ok(team("get", "proj/exp/model@1", "-o", back.toString()));
    assertThat(StoreProcessTest.sha(back)).isEqualTo(StoreProcessTest.sha(f));
    assertThat(ok(team("ls")).output()).contains("proj/exp/model");
    assertThat(ok(team("verify", "--full")).exit()).isZero();
    // init again changes nothing and still succeeds
    ok(team("init"));
    assertThat(ok(team("log", "proj/exp/model")).output()).contains("loss");
  }

  @Test
  void eightProcessesShareOneStoreWhileGcRunsBeside() throws Exception {
    ok(team("init"));
    List<Path> files = new ArrayList<>();
    Map<Path, Digest> shaOf = new ConcurrentHashMap<>();
    for (int i = 0; i < 8; i++) {
      Path f = StoreProcessTest.weights(dir, 500 + i, 2);
      files.add(f);
      shaOf.put(f, StoreProcessTest.sha(f));
    }
    // churn: versions that gc removes while later puts reuse their chunks (A, B, A, ...)
    ok(team("put", "churn/a", files.get(0).toString()));
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger gcRuns = new AtomicInteger();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Thread collector =
        new Thread(
            () -> {
              try {
                while (!done.get()) {
                  ok(team("gc", "churn", "--keep-last", "1", "--grace", "0s"));
                  gcRuns.incrementAndGet();
                }
              } catch (Throwable e) {
                failures.add(e);
              }
            });
    collector.start();
    List<Process> procs = new ArrayList<>();
    List<Path> order = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String path = i < 4 ? "team/shared" : "team/own" + i;
      procs.add(start(team("put", path, files.get(i).toString())));
      order.add(files.get(i));
    }
    Set<Digest> churnShas = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      Path f = files.get(i % 2);
      ok(team("put", "churn/a", f.toString()));
      churnShas.add(shaOf.get(f));
    }
    for (Process p : procs) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
    }
    done.set(true);
    collector.join();
    assertThat(failures).isEmpty();
    assertThat(gcRuns.get()).as("gc runs beside the puts").isPositive();

    try (ModelStash stash = openInProcess()) {
      List<VersionInfo> shared = stash.log(ModelPath.parse("team/shared"));
      assertThat(shared).extracting(v -> v.id().number()).containsExactly(4L, 3L, 2L, 1L);
      Set<Digest> expected = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        expected.add(shaOf.get(order.get(i)));
      }
      Set<Digest> seen = new HashSet<>();
      for (VersionInfo v : shared) {
        seen.add(restoredSha(stash, v));
      }
      assertThat(seen).isEqualTo(expected);
      for (int i = 4; i < 8; i++) {
        VersionInfo v = stash.resolve(Ref.parse("team/own" + i + "@1"));
        assertThat(restoredSha(stash, v)).isEqualTo(shaOf.get(order.get(i)));
      }
      VersionInfo churn = stash.resolve(Ref.latest(ModelPath.parse("churn/a")));
      assertThat(churnShas).contains(restoredSha(stash, churn));
    }
    assertThat(ok(team("verify", "--full")).output()).doesNotContain("MISSING");
  }

  private static Digest restoredSha(ModelStash stash, VersionInfo v) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    stash.get(v.id().toRef(), out);
    Digest got = Digest.of(out.toByteArray());
    assertThat(got).as(v.id().toString()).isEqualTo(v.fileSha256());
    return got;
  }

  @Test
  void aLocalStoreMigratesToTheTeamStoreAndBack() throws Exception {
    Path local = dir.resolve("local");
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path f = StoreProcessTest.weights(dir, 700 + i, 2);
      files.add(f);
      ok(
          List.of(
              "--store",
              local.toString(),
              "put",
              "proj/run",
              f.toString(),
              "--param",
              "seed=" + i,
              "--tag",
              "latest-good"));
    }
    ok(team("init"));
    List<String> migrate =
        List.of(
            "--store",
            local.toString(),
            "migrate",
            "--to-catalog",
            catalog,
            "--to-blobs",
            blobs,
            "--to-s3-endpoint",
            s3.endpoint().toString());
    assertThat(ok(migrate).output())
        .contains("3 versions copied")
        .doesNotContain("modelstash:modelstash@");
    assertThat(ok(migrate).output()).contains("0 versions copied, 3 already there");

    Path back = dir.resolve("back");
    ok(team("migrate", "--to", back.toString()));
    for (int i = 0; i < 3; i++) {
      Path out = dir.resolve("v" + (i + 1));
      ok(List.of("--store", back.toString(), "get", "proj/run@" + (i + 1), "-o", out.toString()));
      assertThat(StoreProcessTest.sha(out)).isEqualTo(StoreProcessTest.sha(files.get(i)));
    }
    assertThat(ok(List.of("--store", back.toString(), "log", "proj/run")).output())
        .contains("latest-good");
    assertThat(ok(List.of("--store", back.toString(), "show", "proj/run@2")).output())
        .contains("seed");
  }

  @Test
  void misconfigurationSaysWhatToFix() throws Exception {
    String wrongPassword = catalog.replaceFirst(":[^:@/]+@", ":not-the-password@");
    Result badPassword =
        run(
            List.of(
                "--catalog",
                wrongPassword,
                "--blobs",
                blobs,
                "--s3-endpoint",
                s3.endpoint().toString(),
                "ls"));
    assertThat(badPassword.exit()).isEqualTo(ExitCode.IO);
    assertThat(badPassword.output())
        .contains("password authentication failed")
        .doesNotContain("not-the-password");

    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    String noServer = "postgresql://modelstash:x@127.0.0.1:" + closed + "/modelstash_test";
    Result unreachable =
        run(List.of("--catalog", noServer, "--blobs", blobs, "--s3-endpoint", "http://x", "ls"));
    assertThat(unreachable.exit()).isEqualTo(ExitCode.IO);
    assertThat(unreachable.output()).contains("127.0.0.1:" + closed).contains("--catalog");

    Result noBucket =
        run(
            List.of(
                "--catalog",
                catalog,
                "--blobs",
                "s3://no-such-bucket/x",
                "--s3-endpoint",
                s3.endpoint().toString(),
                "init"));
    assertThat(noBucket.exit()).isEqualTo(ExitCode.IO);
    assertThat(noBucket.output()).contains("no-such-bucket").contains("does not exist");

    Result noS3 =
        run(
            List.of(
                "--catalog",
                catalog,
                "--blobs",
                blobs,
                "--s3-endpoint",
                "http://127.0.0.1:" + closed,
                "init"));
    assertThat(noS3.exit()).isEqualTo(ExitCode.IO);
    assertThat(noS3.output()).contains("cannot reach").contains("--s3-endpoint");

    Result half = run(List.of("--catalog", catalog, "ls"));
    assertThat(half.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(half.output()).contains("--catalog needs --blobs too");
    for (Result r : List.of(badPassword, unreachable, noBucket, noS3, half)) {
      assertThat(r.output().strip().lines()).as(r.output()).hasSize(1);
    }
  }
}
