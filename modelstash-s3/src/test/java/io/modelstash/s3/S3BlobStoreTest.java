package io.modelstash.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.s3.testing.S3ProxyServer;
import io.modelstash.store.blob.BlobInfo;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.BlobStoreContract;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The blob store contract, against S3Proxy on loopback with a filesystem backend. */
class S3BlobStoreTest extends BlobStoreContract {

  private static final String BUCKET = "contract";
  private static final AtomicInteger RUNS = new AtomicInteger();

  @TempDir static Path dir;
  private static S3ProxyServer server;

  private String prefix;

  @BeforeAll
  static void startServer() throws IOException {
    server = S3ProxyServer.start(dir.resolve("s3"));
    server.createBucket(BUCKET);
  }

  @AfterAll
  static void stopServer() throws IOException {
    server.close();
  }

  @Override
  protected BlobStore newStore() throws IOException {
    prefix = "team/run-" + RUNS.incrementAndGet();
    return S3BlobStore.open(server.location("s3://" + BUCKET + "/" + prefix));
  }

  @Test
  void usesTheSameRelativeNamesAsALocalStore() throws IOException {
    byte[] data = "layout".getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.of(data);
    Path localRoot = dir.resolve("local");
    try (LocalBlobStore local = LocalBlobStore.open(localRoot)) {
      for (BlobKind kind : BlobKind.values()) {
        local.put(kind, d, data);
        store().put(kind, d, data);
      }
    }
    List<String> localNames;
    try (Stream<Path> files = Files.walk(localRoot)) {
      localNames =
          files
              .filter(Files::isRegularFile)
              .map(p -> localRoot.relativize(p).toString().replace('\\', '/'))
              .toList();
    }
    try (S3Client s3 = server.client()) {
      assertThat(
              s3
                  .listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(prefix + "/"))
                  .contents()
                  .stream()
                  .map(o -> o.key().substring(prefix.length() + 1)))
          .hasSize(3)
          .containsExactlyInAnyOrderElementsOf(localNames);
    }
  }

  @Test
  void worksAtTheRootOfABucket() throws IOException {
    server.createBucket("root-store");
    byte[] data = "at the root".getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.of(data);
    try (S3BlobStore store = S3BlobStore.open(server.location("s3://root-store"))) {
      store.check();
      store.put(BlobKind.MANIFEST, d, data);
      assertThat(store.keyOf(BlobKind.MANIFEST, d))
          .isEqualTo("manifests/" + d.hex().substring(0, 2) + "/" + d.hex());
      try (Stream<BlobInfo> listed = store.list(BlobKind.MANIFEST)) {
        assertThat(listed).extracting(BlobInfo::id).containsExactly(d);
      }
    }
  }

  @Test
  void takesTheEndpointFromAwsEndpointUrlS3() throws IOException {
    S3Location noEndpoint =
        S3Location.parse("s3://" + BUCKET + "/" + prefix)
            .withCredentials(S3ProxyServer.ACCESS_KEY_ID, S3ProxyServer.SECRET_ACCESS_KEY);
    Map<String, String> env = Map.of("AWS_ENDPOINT_URL_S3", server.endpoint().toString());
    byte[] data = "via the environment".getBytes(StandardCharsets.UTF_8);
    try (S3BlobStore store = S3BlobStore.open(noEndpoint, S3Tuning.defaults(), env)) {
      store.put(BlobKind.CHUNK, Digest.of(data), data);
    }
    assertThat(store().get(BlobKind.CHUNK, Digest.of(data))).isEqualTo(data);
  }

  @Test
  void ignoresForeignKeysUnderItsFolders() throws IOException {
    byte[] data = "real".getBytes(StandardCharsets.UTF_8);
    store().put(BlobKind.CHUNK, Digest.of(data), data);
    String hex = Digest.of(data).hex();
    try (S3Client s3 = server.client()) {
      for (String foreign :
          List.of("chunks/README", "chunks/zz/" + hex, "chunks/" + hex, "chunks/ab/not-a-digest")) {
        s3.putObject(
            r -> r.bucket(BUCKET).key(prefix + "/" + foreign), RequestBody.fromString("x"));
      }
    }
    try (Stream<BlobInfo> listed = store().list(BlobKind.CHUNK)) {
      assertThat(listed).extracting(BlobInfo::id).containsExactly(Digest.of(data));
    }
  }

  @Override
  protected void assertNoLeftovers() {
    try (S3Client s3 = server.client()) {
      List<String> keys =
          s3.listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(prefix + "/")).contents().stream()
              .map(S3Object::key)
              .toList();
      assertThat(keys)
          .allSatisfy(
              k ->
                  assertThat(k)
                      .matches(
                          prefix + "/(chunks|manifests|records)/([0-9a-f]{2})/\\2[0-9a-f]{62}"));
      assertThat(s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
    }
  }
}
