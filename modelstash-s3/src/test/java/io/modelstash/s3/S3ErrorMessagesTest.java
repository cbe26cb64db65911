package io.modelstash.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.modelstash.s3.testing.S3ProxyServer;
import io.modelstash.store.StoreException;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What a user sees when the bucket is missing, the credentials are wrong or the endpoint is down:
 * one line saying what to fix, from every operation and from {@link S3BlobStore#check}.
 */
class S3ErrorMessagesTest {

  private static final Digest ID = Digest.of("x".getBytes(StandardCharsets.UTF_8));
  private static final S3Tuning FAST =
      S3Tuning.defaults().withRetries(2, Duration.ofMillis(2), Duration.ofMillis(10));

  @TempDir static Path dir;
  private static S3ProxyServer server;

  @BeforeAll
  static void startServer() throws IOException {
    server = S3ProxyServer.start(dir.resolve("s3"));
    server.createBucket("present");
  }

  @AfterAll
  static void stopServer() throws IOException {
    server.close();
  }

  /**
   * Runs every operation of the store and checks each fails with a message containing all parts.
   */
  private static void everyOperationFails(S3BlobStore store, String... parts) {
    List<Executable> operations =
        List.of(
            store::check,
            () -> store.exists(BlobKind.CHUNK, ID),
            () -> store.size(BlobKind.CHUNK, ID),
            () -> store.get(BlobKind.CHUNK, ID),
            () -> store.open(BlobKind.CHUNK, ID, 0, 1).close(),
            () -> store.put(BlobKind.CHUNK, ID, new byte[] {'x'}),
            () -> store.delete(BlobKind.CHUNK, ID),
            () -> store.list(BlobKind.CHUNK).close());
    for (Executable op : operations) {
      assertThatThrownBy(op::execute)
          .isInstanceOf(StoreException.class)
          .satisfies(e -> assertThat(e.getMessage()).contains(parts).doesNotContain("\n"));
    }
  }

  @Test
  void missingBucketIsNamedWithWhatToDo() throws IOException {
    try (S3BlobStore store = S3BlobStore.open(server.location("s3://absent/team"), FAST)) {
      everyOperationFails(
          store,
          "s3://absent/team",
          "bucket 'absent' does not exist at " + server.endpoint(),
          "create it or fix --blobs");
    }
  }

  @Test
  void unknownAccessKeyIsRefusedWithWhatToDo() throws IOException {
    S3Location location =
        server
            .location("s3://present/team")
            .withCredentials("nobody", S3ProxyServer.SECRET_ACCESS_KEY);
    try (S3BlobStore store = S3BlobStore.open(location, FAST)) {
      everyOperationFails(
          store,
          "refused the credentials",
          "set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a profile");
      assertThatThrownBy(() -> store.get(BlobKind.CHUNK, ID))
          .hasMessageContaining("InvalidAccessKeyId");
    }
  }

  @Test
  void wrongSecretIsRefusedWithWhatToDo() throws IOException {
    S3Location location =
        server.location("s3://present/team").withCredentials(S3ProxyServer.ACCESS_KEY_ID, "wrong");
    try (S3BlobStore store = S3BlobStore.open(location, FAST)) {
      everyOperationFails(
          store,
          "refused the credentials",
          "set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a profile");
      assertThatThrownBy(() -> store.get(BlobKind.CHUNK, ID))
          .hasMessageContaining("SignatureDoesNotMatch");
    }
  }

  @Test
  void unreachableEndpointIsNamedWithWhatToDo() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + closedPort;
    S3Location location =
        S3Location.parse("s3://present/team")
            .withEndpoint(endpoint)
            .withCredentials(S3ProxyServer.ACCESS_KEY_ID, S3ProxyServer.SECRET_ACCESS_KEY);
    try (S3BlobStore store = S3BlobStore.open(location, FAST)) {
      everyOperationFails(store, "cannot reach " + endpoint, "check --s3-endpoint");
    }
  }

  @Test
  void missingCredentialsAreNamedWithWhatToDo() throws IOException {
    for (String variable :
        List.of(
            "AWS_ACCESS_KEY_ID",
            "AWS_PROFILE",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
      assumeTrue(
          System.getenv(variable) == null,
          variable + " is set, so AWS credentials may be found; this test needs none");
    }
    // Point the profile files nowhere and keep the SDK off the instance metadata service.
    Map<String, String> properties =
        Map.of(
            "aws.sharedCredentialsFile", dir.resolve("no-credentials").toString(),
            "aws.configFile", dir.resolve("no-config").toString(),
            "aws.disableEc2Metadata", "true");
    Map<String, String> saved = new HashMap<>();
    properties.forEach((k, v) -> saved.put(k, System.setProperty(k, v)));
    try {
      S3Location location =
          S3Location.parse("s3://present/team").withEndpoint(server.endpoint().toString());
      try (S3BlobStore store = S3BlobStore.open(location, FAST)) {
        everyOperationFails(
            store,
            "no AWS credentials found: set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a profile");
      }
    } finally {
      saved.forEach(
          (k, v) -> {
            if (v == null) {
              System.clearProperty(k);
            } else {
              System.setProperty(k, v);
            }
          });
    }
  }

  @Test
  void checkPassesOnAGoodBucketAndLeavesNothingBehind() throws IOException {
    try (S3BlobStore store = S3BlobStore.open(server.location("s3://present/checked"))) {
      store.check();
      store.check();
    }
    try (S3Client s3 = server.client()) {
      assertThat(s3.listObjectsV2(r -> r.bucket("present")).contents())
          .extracting(S3Object::key)
          .isEmpty();
    }
  }
}
