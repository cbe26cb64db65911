package io.modelstash.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.s3.FaultInjectingProxy.Fault;
import io.modelstash.s3.testing.S3ProxyServer;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 store behind a proxy that throttles, fails, drops connections and cuts responses short:
 * transient faults are retried until the bytes arrive exactly; faults that never stop end in a
 * clear error with nothing partial stored.
 */
class S3FaultTest {

  private static final String BUCKET = "faults";
  private static final AtomicInteger RUNS = new AtomicInteger();
  // Four attempts with millisecond backoff keep the never-ending cases fast.
  private static final S3Tuning FAST =
      S3Tuning.defaults().withRetries(4, Duration.ofMillis(2), Duration.ofMillis(20));
  private static final S3Tuning FAST_MULTIPART =
      FAST.withMultipart(1024 * 1024, S3Tuning.MIN_PART_SIZE);

  @TempDir static Path dir;
  private static S3ProxyServer server;

  private FaultInjectingProxy proxy;
  private String url;

  @BeforeAll
  static void startServer() throws IOException {
    server = S3ProxyServer.start(dir.resolve("s3"));
    server.createBucket(BUCKET);
  }

  @AfterAll
  static void stopServer() throws IOException {
    server.close();
  }

  @BeforeEach
  void startProxy() throws IOException {
    proxy = new FaultInjectingProxy(server.endpoint());
    url = "s3://" + BUCKET + "/run-" + RUNS.incrementAndGet();
  }

  @AfterEach
  void stopProxy() throws IOException {
    proxy.close();
  }

  private S3BlobStore throughProxy(S3Tuning tuning) throws IOException {
    return S3BlobStore.open(
        S3Location.parse(url)
            .withEndpoint(proxy.endpoint().toString())
            .withCredentials(S3ProxyServer.ACCESS_KEY_ID, S3ProxyServer.SECRET_ACCESS_KEY),
        tuning);
  }

  private S3BlobStore direct() throws IOException {
    return S3BlobStore.open(server.location(url));
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private void assertNothingStored() throws IOException {
    try (S3BlobStore store = direct()) {
      for (BlobKind kind : BlobKind.values()) {
        try (Stream<?> s = store.list(kind)) {
          assertThat(s).isEmpty();
        }
      }
    }
    try (S3Client s3 = server.client()) {
      assertThat(s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Fault.class,
      names = {"SLOW_DOWN", "INTERNAL_ERROR", "DROP", "LOSE_RESPONSE"})
  void transientFaultsAreRetriedUntilTheBytesArriveExactly(Fault fault) throws IOException {
    byte[] data = random(300_000, 1);
    Digest d = Digest.of(data);
    try (S3BlobStore store = throughProxy(FAST)) {
      proxy.inject(fault, 3, line -> true);
      store.put(BlobKind.CHUNK, d, data);
      assertThat(proxy.injected()).isEqualTo(3);

      proxy.inject(fault, 3, line -> true);
      assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(data);
      assertThat(proxy.injected()).isEqualTo(6);

      proxy.inject(fault, 3, line -> true);
      assertThat(store.exists(BlobKind.MANIFEST, d)).isFalse();
      assertThat(store.size(BlobKind.CHUNK, d)).isEqualTo(data.length);
    }
    try (S3BlobStore store = direct()) {
      assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(data);
    }
  }

  @Test
  void throttledPartsOfAMultipartUploadAreRetried() throws IOException {
    byte[] data = random(12 * 1024 * 1024 + 5, 2);
    Digest d = Digest.of(data);
    try (S3BlobStore store = throughProxy(FAST_MULTIPART)) {
      proxy.inject(Fault.SLOW_DOWN, 3, line -> line.contains("partNumber=2"));
      store.put(BlobKind.CHUNK, d, data);
      assertThat(proxy.injected()).isEqualTo(3);
    }
    try (S3BlobStore store = direct()) {
      assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(data);
    }
  }

  private static boolean completion(String requestLine) {
    return requestLine.startsWith("POST ") && requestLine.contains("uploadId=");
  }

  @Test
  void aCompletedUploadWhoseAnswerWasLostIsNotAnError() throws IOException {
    byte[] data = random(11 * 1024 * 1024, 7);
    Digest d = Digest.of(data);
    try (S3BlobStore store = throughProxy(FAST_MULTIPART)) {
      // The completion takes effect but its answer is lost; the retry then finds no upload.
      proxy.injectInOrder(S3FaultTest::completion, Fault.LOSE_RESPONSE, Fault.NO_SUCH_UPLOAD);
      store.put(BlobKind.CHUNK, d, data);
      assertThat(proxy.injected()).isEqualTo(2);
    }
    try (S3BlobStore store = direct()) {
      assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(data);
    }
    try (S3Client s3 = server.client()) {
      assertThat(s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
    }
  }

  @Test
  void aVanishedUploadIsAnErrorWhenTheObjectIsNotThere() throws IOException {
    byte[] data = random(11 * 1024 * 1024, 8);
    Digest d = Digest.of(data);
    try (S3BlobStore store = throughProxy(FAST_MULTIPART)) {
      proxy.inject(Fault.NO_SUCH_UPLOAD, 1, S3FaultTest::completion);
      assertThatThrownBy(() -> store.put(BlobKind.CHUNK, d, data))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("answered 404 NoSuchUpload");
    }
    assertNothingStored();
  }

  @Test
  void downloadsCutShortResumeWhereTheyStopped() throws IOException {
    byte[] data = random(3 * 1024 * 1024, 3);
    Digest d = Digest.of(data);
    try (S3BlobStore store = direct()) {
      store.put(BlobKind.CHUNK, d, data);
    }
    try (S3BlobStore store = throughProxy(FAST)) {
      proxy.inject(Fault.TRUNCATE, 2, line -> line.startsWith("GET "));
      assertThat(store.get(BlobKind.CHUNK, d)).isEqualTo(data);
      assertThat(proxy.injected()).isEqualTo(2);

      proxy.inject(Fault.TRUNCATE, 1, line -> line.startsWith("GET "));
      try (InputStream in = store.open(BlobKind.CHUNK, d, 1000, 2_000_000)) {
        assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 1000, 2_001_000));
      }
      assertThat(proxy.injected()).isEqualTo(3);
    }
  }

  @Test
  void neverEndingThrottlingFailsClearlyAndStoresNothing() throws IOException {
    byte[] data = random(100_000, 4);
    Digest d = Digest.of(data);
    try (S3BlobStore store = throughProxy(FAST)) {
      proxy.inject(Fault.SLOW_DOWN, Integer.MAX_VALUE, line -> line.startsWith("PUT "));
      assertThatThrownBy(() -> store.put(BlobKind.CHUNK, d, data))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("Cannot store chunk " + d + " in " + url + ": ")
          .hasMessageContaining("answered 503 SlowDown after 4 attempts");
      assertThat(proxy.injected()).isEqualTo(4);
    }
    assertNothingStored();
  }

  @Test
  void neverEndingErrorsOnOnePartAbortTheWholeUpload() throws IOException {
    byte[] data = random(12 * 1024 * 1024, 5);
    Digest d = Digest.of(data);
    try (S3BlobStore store = throughProxy(FAST_MULTIPART)) {
      proxy.inject(Fault.INTERNAL_ERROR, Integer.MAX_VALUE, line -> line.contains("partNumber=2"));
      assertThatThrownBy(() -> store.put(BlobKind.CHUNK, d, data))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("answered 500 InternalError after 4 attempts");
    }
    assertNothingStored();
  }

  @Test
  void neverEndingDropsAndCutsFailClearly() throws IOException {
    byte[] data = random(200_000, 6);
    Digest d = Digest.of(data);
    try (S3BlobStore store = direct()) {
      store.put(BlobKind.CHUNK, d, data);
    }
    try (S3BlobStore store = throughProxy(FAST)) {
      proxy.inject(Fault.DROP, Integer.MAX_VALUE, line -> line.startsWith("GET "));
      assertThatThrownBy(() -> store.get(BlobKind.CHUNK, d))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("Cannot read chunk " + d + " from " + url + ": ")
          .hasMessageContaining("after 4 attempts");

      proxy.inject(Fault.TRUNCATE, Integer.MAX_VALUE, line -> line.startsWith("GET "));
      assertThatThrownBy(() -> store.get(BlobKind.CHUNK, d))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("Cannot read chunk " + d + " from " + url + ": ")
          .hasMessageContaining("broke off 4 times");
    }
  }
}
