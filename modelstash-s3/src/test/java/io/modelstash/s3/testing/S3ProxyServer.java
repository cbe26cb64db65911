package io.modelstash.s3.testing;

import io.modelstash.s3.S3Location;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3-compatible server for tests: S3Proxy on a free loopback port, keeping its buckets in a
 * directory (or in memory), requiring AWS signatures with the fixed test credentials {@link
 * #ACCESS_KEY_ID} / {@link #SECRET_ACCESS_KEY}. It needs nothing installed, so tests that use it
 * always run.
 *
 * <pre>{@code
 * try (S3ProxyServer s3 = S3ProxyServer.start(tempDir)) {
 *   s3.createBucket("models");
 *   S3Location where = s3.location("s3://models/team");   // endpoint and credentials filled in
 *   // CLI: --blobs s3://models/team --s3-endpoint s3.endpoint(), with AWS_ACCESS_KEY_ID etc.
 * }
 * }</pre>
 */
public final class S3ProxyServer implements AutoCloseable {

  /** The access key id the server accepts. */
  public static final String ACCESS_KEY_ID = "modelstash-test";

  /** The secret key the server accepts. */
  public static final String SECRET_ACCESS_KEY = "modelstash-test-secret";

  private final S3Proxy proxy;
  private final URI endpoint;

  private S3ProxyServer(S3Proxy proxy, URI endpoint) {
    this.proxy = proxy;
    this.endpoint = endpoint;
  }

  /** Starts a server that keeps each bucket as a folder under {@code directory} (created). */
  public static S3ProxyServer start(Path directory) throws IOException {
    Files.createDirectories(directory);
    return start(new FilesystemNio2BlobStore(directory.toAbsolutePath().toString()));
  }

  /** Starts a server that keeps everything in memory. */
  public static S3ProxyServer startInMemory() throws IOException {
    return start(new TransientNio2BlobStore());
  }

  private static S3ProxyServer start(BlobStore backend) throws IOException {
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(backend)
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
            .build();
    try {
      proxy.start();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IOException("S3Proxy did not start within 30 s: " + proxy.getState());
        }
        Thread.sleep(10);
      }
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("Cannot start S3Proxy: " + e, e);
    }
    return new S3ProxyServer(proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
  }

  /** Where the server listens: {@code http://127.0.0.1:<port>}. */
  public URI endpoint() {
    return endpoint;
  }

  /** The port the server listens on. */
  public int port() {
    return endpoint.getPort();
  }

  /**
   * {@code url} ({@code s3://bucket/prefix}) on this server, with its endpoint and credentials set.
   */
  public S3Location location(String url) {
    return S3Location.parse(url)
        .withEndpoint(endpoint.toString())
        .withCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY);
  }

  /** A plain SDK client for this server, to set up or inspect buckets; the caller closes it. */
  public S3Client client() {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .forcePathStyle(true)
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY)))
        .build();
  }

  /** Creates a bucket. */
  public void createBucket(String bucket) {
    try (S3Client s3 = client()) {
      s3.createBucket(r -> r.bucket(bucket));
    }
  }

  /** Stops the server. */
  @Override
  public void close() throws IOException {
    try {
      proxy.stop();
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("Cannot stop S3Proxy: " + e, e);
    }
  }
}
