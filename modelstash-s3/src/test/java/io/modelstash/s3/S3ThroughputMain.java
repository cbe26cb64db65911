package io.modelstash.s3;

import io.modelstash.s3.testing.S3ProxyServer;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Measures put and get throughput of {@link S3BlobStore} against S3Proxy on loopback (filesystem
 * backend) next to {@link LocalBlobStore} on the same disk: N random objects of one size, put then
 * read back (and compared) from T threads. Not a unit test: run it by hand or from the benchmarks.
 *
 * <pre>
 * ./mvnw -q -o -pl modelstash-s3 -am install -DskipTests
 * ./mvnw -q -o -pl modelstash-s3 dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp modelstash-s3/target/test-classes:modelstash-s3/target/classes:$(cat /tmp/cp.txt) \
 *     io.modelstash.s3.S3ThroughputMain [objects=200] [KiB per object=1024] [threads=4] [dir]
 * </pre>
 *
 * <p>Prints one line per store; MB means 10^6 bytes. The objects live in memory, so only the store
 * is timed; the first round of a smaller set warms up the JIT and the connection pool.
 */
public final class S3ThroughputMain {

  private S3ThroughputMain() {}

  /** Runs the measurement; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int size = (args.length > 1 ? Integer.parseInt(args[1]) : 1024) * 1024;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    Path dir =
        args.length > 3
            ? Files.createDirectories(Path.of(args[3]))
            : Files.createTempDirectory("modelstash-s3-throughput");
    List<byte[]> objects = randomObjects(count, size, 1);
    List<byte[]> warmUp = randomObjects(Math.max(threads * 4, count / 10), size, 2);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (S3ProxyServer server = S3ProxyServer.start(dir.resolve("s3proxy"))) {
      server.createBucket("throughput");
      try (LocalBlobStore local = LocalBlobStore.open(dir.resolve("local"))) {
        measure("local", local, objects, warmUp, pool, threads);
      }
      try (S3BlobStore s3 = S3BlobStore.open(server.location("s3://throughput/store"))) {
        measure("s3proxy", s3, objects, warmUp, pool, threads);
      }
    } finally {
      pool.shutdownNow();
      if (args.length <= 3) {
        deleteRecursively(dir);
      }
    }
  }

  private static List<byte[]> randomObjects(int count, int size, long seed) {
    Random random = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] b = new byte[size];
      random.nextBytes(b);
      out.add(b);
    }
    return out;
  }

  private static void measure(
      String name,
      BlobStore store,
      List<byte[]> objects,
      List<byte[]> warmUp,
      ExecutorService pool,
      int threads)
      throws Exception {
    List<Digest> warmIds = run(pool, warmUp, (d, b) -> store.put(BlobKind.CHUNK, d, b)).ids;
    run(pool, warmUp, (d, b) -> check(store, d, b));
    Result put = run(pool, objects, (d, b) -> store.put(BlobKind.CHUNK, d, b));
    Result get = run(pool, objects, (d, b) -> check(store, d, b));
    long bytes = objects.stream().mapToLong(b -> b.length).sum();
    System.out.printf(
        Locale.ROOT,
        "%-8s put %7.1f MB/s   get %7.1f MB/s   (%d objects x %d KiB, %d threads,"
            + " %d warm-up objects)%n",
        name,
        bytes / 1e6 / put.seconds,
        bytes / 1e6 / get.seconds,
        objects.size(),
        objects.get(0).length / 1024,
        threads,
        warmIds.size());
  }

  private static void check(BlobStore store, Digest id, byte[] expected) throws IOException {
    if (!Arrays.equals(store.get(BlobKind.CHUNK, id), expected)) {
      throw new IOException("read back different bytes for " + id);
    }
  }

  private interface Operation {
    void apply(Digest id, byte[] data) throws IOException;
  }

  private record Result(double seconds, List<Digest> ids) {}

  private static Result run(ExecutorService pool, List<byte[]> objects, Operation op)
      throws Exception {
    List<Digest> ids = objects.stream().map(Digest::of).toList();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int i = 0; i < objects.size(); i++) {
      Digest id = ids.get(i);
      byte[] data = objects.get(i);
      tasks.add(
          () -> {
            op.apply(id, data);
            return null;
          });
    }
    long start = System.nanoTime();
    for (Future<Void> f : pool.invokeAll(tasks)) {
      f.get();
    }
    return new Result((System.nanoTime() - start) / 1e9, ids);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
