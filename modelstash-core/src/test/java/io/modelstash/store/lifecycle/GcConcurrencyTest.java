package io.modelstash.store.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.PutResult;
import io.modelstash.store.catalog.PathSummary;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.VersionId;
import io.modelstash.store.testing.TestTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gc in a tight loop, with retention removing versions and a short grace period, while puts and
 * gets run in other threads (with separate catalog connections, as separate processes would have).
 * Puts share tensors, so they keep reusing chunks that gc has just released or is sweeping.
 * Afterwards every committed version that was not removed restores byte for byte.
 *
 * <p>The grace period is short (three seconds, well above a put's time here) but not zero: a sweep
 * with no grace at all would condemn every chunk a running put has written and not yet committed,
 * so puts would be refused at commit and have to write again, possibly over and over. That would
 * still never lose data (the commit fence refuses them; {@link SweepDuringPutTest} forces exactly
 * that), but it would starve puts; the grace period is what lets them finish on the first try.
 */
class GcConcurrencyTest {
  @TempDir Path dir;

  private static final int PUTTERS = 3;
  private static final int PUTS_EACH = 12;
  private static final int POOL = 6;

  @Test
  void gcInALoopNeverLosesAChunkOfACommittedVersion() throws Exception {
    Path store = dir.resolve("store");
    // churn and keep versions draw on separate pools, so that retention keeps releasing chunks
    // that other puts are reusing at that moment
    List<float[]> churnPool = new ArrayList<>();
    List<float[]> keepPool = new ArrayList<>();
    for (int i = 0; i < POOL; i++) {
      churnPool.add(TestTensors.gaussian(1000 + i, 100_000));
      keepPool.add(TestTensors.gaussian(2000 + i, 100_000));
    }
    List<List<Path>> files = new ArrayList<>();
    for (int t = 0; t < PUTTERS; t++) {
      List<Path> mine = new ArrayList<>();
      for (int i = 0; i < PUTS_EACH; i++) {
        List<float[]> pool = i % 2 == 0 ? churnPool : keepPool;
        mine.add(
            TestTensors.write(
                dir.resolve("t" + t + "-" + i + ".safetensors"),
                List.of(
                    TestTensors.floats("a", new long[] {100_000}, pool.get((t + i) % POOL)),
                    TestTensors.floats("b", new long[] {100_000}, pool.get((t + 2 * i + 1) % POOL)),
                    TestTensors.floats(
                        "u", new long[] {5000}, TestTensors.gaussian(t * 100 + i, 5000)))));
      }
      files.add(mine);
    }
    Map<VersionId, Digest> committed = new ConcurrentHashMap<>();
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger gcRuns = new AtomicInteger();
    AtomicLong freed = new AtomicLong();
    AtomicInteger gets = new AtomicInteger();
    ModelStash.open(store).close();
    ExecutorService pool2 = Executors.newFixedThreadPool(PUTTERS + 2);
    try {
      List<Future<?>> putters = new ArrayList<>();
      for (int t = 0; t < PUTTERS; t++) {
        int me = t;
        putters.add(
            pool2.submit(
                () -> {
                  try (ModelStash stash = ModelStash.open(store)) {
                    for (int i = 0; i < PUTS_EACH; i++) {
                      ModelPath p = ModelPath.parse((i % 2 == 0 ? "churn/t" : "keep/t") + me);
                      PutResult r = stash.put(p, files.get(me).get(i), PutOptions.none());
                      committed.put(r.id(), r.sha256());
                    }
                  }
                  return null;
                }));
      }
      Future<?> collector =
          pool2.submit(
              () -> {
                RetentionPolicy keepLast =
                    new RetentionPolicy(
                        OptionalInt.of(1), List.of(), OptionalInt.empty(), Optional.empty());
                GcOptions options =
                    new GcOptions(
                        Optional.of(ModelPath.parse("churn")),
                        keepLast,
                        Duration.ofSeconds(3),
                        false);
                try (ModelStash stash = ModelStash.open(store)) {
                  while (!done.get()) {
                    freed.addAndGet(stash.gc(options).bytesFreed());
                    gcRuns.incrementAndGet();
                    TimeUnit.MILLISECONDS.sleep(10);
                  }
                }
                return null;
              });
      Future<?> getter =
          pool2.submit(
              () -> {
                Random random = new Random(7);
                try (ModelStash stash = ModelStash.open(store)) {
                  while (!done.get()) {
                    List<VersionId> keep =
                        committed.keySet().stream()
                            .filter(id -> id.path().toString().startsWith("keep/"))
                            .toList();
                    if (!keep.isEmpty()) {
                      VersionId id = keep.get(random.nextInt(keep.size()));
                      assertThat(History.restore(stash, id)).isEqualTo(committed.get(id));
                      gets.incrementAndGet();
                    }
                    TimeUnit.MILLISECONDS.sleep(5);
                  }
                }
                return null;
              });
      for (Future<?> f : putters) {
        f.get(5, TimeUnit.MINUTES);
      }
      // let the collector sweep twice more with every put finished
      int runs = gcRuns.get();
      while (gcRuns.get() < runs + 2) {
        TimeUnit.MILLISECONDS.sleep(20);
      }
      done.set(true);
      collector.get(1, TimeUnit.MINUTES);
      getter.get(1, TimeUnit.MINUTES);
    } finally {
      done.set(true);
      pool2.shutdownNow();
    }
    assertThat(committed).hasSize(PUTTERS * PUTS_EACH);
    assertThat(gcRuns.get()).isGreaterThan(5);
    assertThat(freed.get()).as("gc freed something while puts ran").isPositive();
    assertThat(gets.get()).isPositive();
    try (ModelStash stash = ModelStash.open(store)) {
      int restored = 0;
      for (PathSummary p : stash.list(Optional.empty())) {
        for (VersionInfo v : stash.log(p.path())) {
          assertThat(History.restore(stash, v.id()))
              .as(v.id().toString())
              .isEqualTo(committed.get(v.id()));
          restored++;
        }
      }
      // every keep version, and the newest churn version of each putter
      assertThat(restored).isEqualTo(PUTTERS * PUTS_EACH / 2 + PUTTERS);
      VerifyReport report = stash.verify(Optional.empty(), true);
      assertThat(report.problems()).isEmpty();
      assertThat(Files.exists(store.resolve("catalog.db"))).isTrue();
    }
  }
}
