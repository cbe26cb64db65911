package io.modelstash.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.name.Digest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link BlobStore} must have. An implementation's test extends this and
 * supplies a fresh, empty store.
 */
public abstract class BlobStoreContract {

  private BlobStore store;

  /** A new, empty store; called once per test. */
  protected abstract BlobStore newStore() throws IOException;

  /** Extra check that nothing, not even a temporary, is left over (e.g. no files on disk). */
  protected void assertNoLeftovers() throws IOException {}

  @BeforeEach
  final void openStore() throws IOException {
    store = newStore();
  }

  @AfterEach
  final void closeStore() throws IOException {
    store.close();
  }

  protected final BlobStore store() {
    return store;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static Digest id(String s) {
    return Digest.of(bytes(s));
  }

  private List<BlobInfo> list(BlobKind kind) throws IOException {
    try (Stream<BlobInfo> s = store.list(kind)) {
      return s.toList();
    }
  }

  @Test
  void putThenReadBack() throws IOException {
    byte[] data = bytes("hello");
    store.put(BlobKind.CHUNK, id("a"), data);
    assertThat(store.exists(BlobKind.CHUNK, id("a"))).isTrue();
    assertThat(store.get(BlobKind.CHUNK, id("a"))).isEqualTo(data);
    assertThat(store.size(BlobKind.CHUNK, id("a"))).isEqualTo(5);
    try (InputStream in = store.open(BlobKind.CHUNK, id("a"))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void storesEmptyAndLargeObjects() throws IOException {
    store.put(BlobKind.CHUNK, id("empty"), new byte[0]);
    assertThat(store.get(BlobKind.CHUNK, id("empty"))).isEmpty();
    assertThat(store.size(BlobKind.CHUNK, id("empty"))).isZero();
    byte[] big = random(3 * 1024 * 1024 + 17, 7);
    store.put(BlobKind.CHUNK, id("big"), new ByteArrayInputStream(big), big.length);
    assertThat(store.get(BlobKind.CHUNK, id("big"))).isEqualTo(big);
  }

  @Test
  void secondPutOfAnIdIsANoOp() throws IOException {
    store.put(BlobKind.CHUNK, id("a"), bytes("first"));
    InputStream untouchable =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("must not be read");
          }
        };
    store.put(BlobKind.CHUNK, id("a"), bytes("first"));
    store.put(BlobKind.CHUNK, id("a"), untouchable, 5);
    assertThat(store.get(BlobKind.CHUNK, id("a"))).isEqualTo(bytes("first"));
    assertThat(list(BlobKind.CHUNK)).hasSize(1);
  }

  @Test
  void kindsAreSeparateNamespaces() throws IOException {
    store.put(BlobKind.CHUNK, id("a"), bytes("chunk"));
    assertThat(store.exists(BlobKind.MANIFEST, id("a"))).isFalse();
    store.put(BlobKind.MANIFEST, id("a"), bytes("manifest"));
    assertThat(store.get(BlobKind.CHUNK, id("a"))).isEqualTo(bytes("chunk"));
    assertThat(store.get(BlobKind.MANIFEST, id("a"))).isEqualTo(bytes("manifest"));
    assertThat(list(BlobKind.MANIFEST)).extracting(BlobInfo::kind).containsOnly(BlobKind.MANIFEST);
  }

  @Test
  void missingObjectsAreReportedAsMissing() throws IOException {
    Digest absent = id("absent");
    assertThat(store.exists(BlobKind.CHUNK, absent)).isFalse();
    assertThatThrownBy(() -> store.get(BlobKind.CHUNK, absent))
        .isInstanceOf(MissingBlobException.class)
        .hasMessageContaining("chunk " + absent)
        .satisfies(e -> assertThat(((MissingBlobException) e).id()).isEqualTo(absent));
    assertThatThrownBy(() -> store.open(BlobKind.MANIFEST, absent))
        .isInstanceOf(MissingBlobException.class)
        .hasMessageContaining("manifest " + absent);
    assertThatThrownBy(() -> store.size(BlobKind.CHUNK, absent))
        .isInstanceOf(MissingBlobException.class);
  }

  private byte[] range(Digest id, long offset, long length) throws IOException {
    try (InputStream in = store.open(BlobKind.CHUNK, id, offset, length)) {
      return in.readAllBytes();
    }
  }

  @Test
  void readsRanges() throws IOException {
    byte[] data = random(100_000, 17);
    Digest d = Digest.of(data);
    store.put(BlobKind.CHUNK, d, data);
    assertThat(range(d, 0, data.length)).isEqualTo(data);
    assertThat(range(d, 0, 10)).isEqualTo(Arrays.copyOfRange(data, 0, 10));
    assertThat(range(d, 12_345, 50_000)).isEqualTo(Arrays.copyOfRange(data, 12_345, 62_345));
    assertThat(range(d, data.length - 1, 1)).containsExactly(data[data.length - 1]);
    assertThat(range(d, 500, 0)).isEmpty();
    assertThat(range(d, data.length, 0)).isEmpty();
    try (InputStream in = store.open(BlobKind.CHUNK, d, 1000, 3)) {
      assertThat(in.read()).isEqualTo(data[1000] & 0xff);
      assertThat(in.readNBytes(10)).containsExactly(data[1001], data[1002]);
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void rangesPastTheEndAreRefused() throws IOException {
    store.put(BlobKind.CHUNK, id("ten"), bytes("0123456789"));
    store.put(BlobKind.CHUNK, id("empty"), new byte[0]);
    assertThat(range(id("empty"), 0, 0)).isEmpty();
    assertThatThrownBy(() -> range(id("ten"), 5, 6))
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("[5, 11)")
        .hasMessageContaining("only 10 bytes");
    assertThatThrownBy(() -> range(id("ten"), 11, 0)).isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> range(id("ten"), 10, 1)).isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> range(id("empty"), 0, 1)).isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> range(id("ten"), -1, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> range(id("ten"), 0, -2)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rangesOfMissingObjectsAreReportedAsMissing() {
    assertThatThrownBy(() -> range(id("absent"), 0, 1))
        .isInstanceOf(MissingBlobException.class)
        .hasMessageContaining("chunk " + id("absent"));
    assertThatThrownBy(() -> range(id("absent"), 0, 0)).isInstanceOf(MissingBlobException.class);
  }

  @Test
  void deleteRemovesAndReportsWhetherItExisted() throws IOException {
    store.put(BlobKind.CHUNK, id("a"), bytes("x"));
    assertThat(store.delete(BlobKind.CHUNK, id("a"))).isTrue();
    assertThat(store.exists(BlobKind.CHUNK, id("a"))).isFalse();
    assertThat(store.delete(BlobKind.CHUNK, id("a"))).isFalse();
    assertThatThrownBy(() -> store.get(BlobKind.CHUNK, id("a")))
        .isInstanceOf(MissingBlobException.class);
    assertThat(list(BlobKind.CHUNK)).isEmpty();
  }

  @Test
  void listsObjectsWithSizesAndTimes() throws IOException {
    Instant before = Instant.now().minus(Duration.ofMinutes(1));
    List<Digest> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Digest d = id("obj" + i);
      ids.add(d);
      store.put(BlobKind.CHUNK, d, new byte[i]);
    }
    store.put(BlobKind.MANIFEST, id("m"), bytes("m"));
    List<BlobInfo> listed = list(BlobKind.CHUNK);
    assertThat(listed).extracting(BlobInfo::id).containsExactlyInAnyOrderElementsOf(ids);
    for (BlobInfo info : listed) {
      assertThat(info.kind()).isEqualTo(BlobKind.CHUNK);
      assertThat(info.size()).isEqualTo(ids.indexOf(info.id()));
      assertThat(info.lastModified()).isAfter(before).isBefore(Instant.now().plusSeconds(60));
    }
  }

  @Test
  void failedPutLeavesNothingVisible() throws IOException {
    FaultInjectingBlobStore faulty = new FaultInjectingBlobStore(store);
    byte[] data = random(300_000, 3);
    Digest d = Digest.of(data);
    faulty.failNextPutAfter(100_000);
    assertThatThrownBy(() -> faulty.put(BlobKind.CHUNK, d, data))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(FaultInjectingBlobStore.DISK_FULL);
    assertThat(store.exists(BlobKind.CHUNK, d)).isFalse();
    assertThat(list(BlobKind.CHUNK)).isEmpty();
    assertThatThrownBy(() -> store.get(BlobKind.CHUNK, d)).isInstanceOf(MissingBlobException.class);
    assertNoLeftovers();
    // The store is still usable and the same id can be written afterwards.
    faulty.put(BlobKind.CHUNK, d, data);
    assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(data);
  }

  @Test
  void objectIsInvisibleWhileBeingWritten() throws Exception {
    byte[] data = random(200_000, 13);
    Digest d = Digest.of(data);
    CountDownLatch halfWritten = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    InputStream slow =
        new InputStream() {
          int pos;

          @Override
          public int read() {
            throw new UnsupportedOperationException();
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (pos == data.length / 2 && halfWritten.getCount() > 0) {
              halfWritten.countDown();
              try {
                proceed.await();
              } catch (InterruptedException e) {
                throw new IOException(e);
              }
            }
            int n = Math.min(len, (pos < data.length / 2 ? data.length / 2 : data.length) - pos);
            if (n <= 0) {
              return -1;
            }
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
          }
        };
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      Future<?> put =
          writer.submit(
              () -> {
                store.put(BlobKind.CHUNK, d, slow, data.length);
                return null;
              });
      halfWritten.await();
      assertThat(store.exists(BlobKind.CHUNK, d)).isFalse();
      assertThat(list(BlobKind.CHUNK)).isEmpty();
      assertThatThrownBy(() -> store.get(BlobKind.CHUNK, d))
          .isInstanceOf(MissingBlobException.class);
      proceed.countDown();
      put.get();
    } finally {
      proceed.countDown();
      writer.shutdownNow();
    }
    assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(data);
  }

  @Test
  void shortSourceFailsAndLeavesNothing() throws IOException {
    Digest d = id("short");
    assertThatThrownBy(
            () -> store.put(BlobKind.CHUNK, d, new ByteArrayInputStream(bytes("abc")), 10))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("ended after 3 of 10 bytes");
    assertThat(store.exists(BlobKind.CHUNK, d)).isFalse();
    assertNoLeftovers();
  }

  @Test
  void readsOnlyTheDeclaredLength() throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(bytes("abcdef"));
    store.put(BlobKind.CHUNK, id("x"), in, 4);
    assertThat(store.get(BlobKind.CHUNK, id("x"))).isEqualTo(bytes("abcd"));
    assertThat(in.available()).isEqualTo(2);
  }

  @Test
  void concurrentPutsOfOneIdAllSucceed() throws Exception {
    byte[] data = random(500_000, 11);
    Digest d = Digest.of(data);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        tasks.add(
            () -> {
              store.put(BlobKind.CHUNK, d, data);
              assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(data);
              return null;
            });
      }
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(list(BlobKind.CHUNK)).hasSize(1);
    assertNoLeftovers();
  }

  @Test
  void keepsTheStoreIdentityApartFromTheObjects() throws IOException {
    assertThat(store().storeIdentity()).isEmpty();
    String id = "0b6f1e0e-5d1c-4c4e-9c1a-3f0d9a1e2b7c";
    store().recordStoreIdentity(id);
    assertThat(store().storeIdentity()).contains(id);
    for (BlobKind kind : BlobKind.values()) {
      try (Stream<BlobInfo> listed = store().list(kind)) {
        assertThat(listed).as(kind.directory()).isEmpty();
      }
    }
  }

  @Test
  void putNewStoresAnObjectAndRewritesAnExistingOneWithTheSameBytes() throws IOException {
    byte[] data = "a chunk the catalog has not seen".getBytes(StandardCharsets.UTF_8);
    Digest id = Digest.of(data);
    store().putNew(BlobKind.CHUNK, id, new ByteArrayInputStream(data), data.length);
    assertThat(store().get(BlobKind.CHUNK, id)).isEqualTo(data);
    store().putNew(BlobKind.CHUNK, id, new ByteArrayInputStream(data), data.length);
    assertThat(store().get(BlobKind.CHUNK, id)).isEqualTo(data);
    try (Stream<BlobInfo> listed = store().list(BlobKind.CHUNK)) {
      assertThat(listed).extracting(BlobInfo::id).containsExactly(id);
    }
  }
}
