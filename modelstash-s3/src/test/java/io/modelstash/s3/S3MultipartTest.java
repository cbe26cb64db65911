package io.modelstash.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.s3.testing.S3ProxyServer;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.name.Digest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** Objects above the multipart threshold: streamed in parts, published whole or not at all. */
class S3MultipartTest {

  private static final String BUCKET = "multipart";
  private static final int MIB = 1024 * 1024;
  private static final S3Tuning SMALL_PARTS =
      S3Tuning.defaults().withMultipart(MIB, S3Tuning.MIN_PART_SIZE);
  private static final AtomicInteger RUNS = new AtomicInteger();

  @TempDir static Path dir;
  private static S3ProxyServer server;

  @BeforeAll
  static void startServer() throws IOException {
    server = S3ProxyServer.start(dir.resolve("s3"));
    server.createBucket(BUCKET);
  }

  @AfterAll
  static void stopServer() throws IOException {
    server.close();
  }

  private static S3BlobStore open(S3Tuning tuning) throws IOException {
    return S3BlobStore.open(
        server.location("s3://" + BUCKET + "/run-" + RUNS.incrementAndGet()), tuning);
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** The ETag of a multipart object ends in "-<number of parts>". */
  private static String etag(S3BlobStore store, Digest id) {
    try (S3Client s3 = server.client()) {
      return s3.headObject(r -> r.bucket(BUCKET).key(store.keyOf(BlobKind.CHUNK, id))).eTag();
    }
  }

  private static void assertNothingStored(S3BlobStore store, Digest id) throws IOException {
    assertThat(store.exists(BlobKind.CHUNK, id)).isFalse();
    try (Stream<?> s = store.list(BlobKind.CHUNK)) {
      assertThat(s).isEmpty();
    }
    try (S3Client s3 = server.client()) {
      assertThat(s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
    }
  }

  @Test
  void objectsAboveTheThresholdRoundTripInParts() throws IOException {
    byte[] data = random(12 * MIB + 7, 1);
    Digest d = Digest.of(data);
    try (S3BlobStore store = open(SMALL_PARTS)) {
      store.put(BlobKind.CHUNK, d, new ByteArrayInputStream(data), data.length);
      assertThat(etag(store, d)).endsWith("-3\"");
      assertThat(store.size(BlobKind.CHUNK, d)).isEqualTo(data.length);
      assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(data);
      int boundary = S3Tuning.MIN_PART_SIZE;
      try (InputStream in = store.open(BlobKind.CHUNK, d, boundary - 100, 200)) {
        assertThat(in.readAllBytes())
            .isEqualTo(Arrays.copyOfRange(data, boundary - 100, boundary + 100));
      }
    }
  }

  @Test
  void aFortyMebibyteObjectRoundTripsWithTheDefaults() throws IOException {
    byte[] data = random(40 * MIB, 2);
    Digest d = Digest.of(data);
    try (S3BlobStore store = open(S3Tuning.defaults())) {
      store.put(BlobKind.CHUNK, d, new ByteArrayInputStream(data), data.length);
      assertThat(etag(store, d)).endsWith("-5\"");
      try (InputStream in = store.open(BlobKind.CHUNK, d)) {
        assertThat(Digest.of(in.readAllBytes())).isEqualTo(d);
      }
    }
  }

  @Test
  void aSourceFailingMidUploadLeavesNothing() throws IOException {
    byte[] data = random(12 * MIB, 3);
    Digest d = Digest.of(data);
    InputStream failing =
        new FilterInputStream(new ByteArrayInputStream(data)) {
          private int read;

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (read >= 7 * MIB) {
              throw new IOException("Input/output error (injected)");
            }
            int n = super.read(b, off, Math.min(len, 7 * MIB - read));
            read += n;
            return n;
          }
        };
    try (S3BlobStore store = open(SMALL_PARTS)) {
      assertThatThrownBy(() -> store.put(BlobKind.CHUNK, d, failing, data.length))
          .isInstanceOf(IOException.class)
          .hasMessage("Input/output error (injected)");
      assertNothingStored(store, d);
      store.put(BlobKind.CHUNK, d, data);
      assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(data);
    }
  }

  @Test
  void aSourceEndingEarlyLeavesNothing() throws IOException {
    byte[] data = random(9 * MIB, 4);
    Digest d = Digest.of(data);
    try (S3BlobStore store = open(SMALL_PARTS)) {
      assertThatThrownBy(
              () -> store.put(BlobKind.CHUNK, d, new ByteArrayInputStream(data), 12 * MIB))
          .isInstanceOf(EOFException.class)
          .hasMessage(
              "Cannot store chunk " + d + ": the source ended after 9437184 of 12582912 bytes");
      assertNothingStored(store, d);
    }
  }

  @Test
  void readsNoMoreThanTheDeclaredLength() throws IOException {
    byte[] data = random(11 * MIB + 100, 5);
    byte[] stored = Arrays.copyOf(data, 11 * MIB);
    Digest d = Digest.of(stored);
    ByteArrayInputStream in = new ByteArrayInputStream(data);
    try (S3BlobStore store = open(SMALL_PARTS)) {
      store.put(BlobKind.CHUNK, d, in, stored.length);
      assertThat(in.available()).isEqualTo(100);
      assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(stored);
    }
  }
}
