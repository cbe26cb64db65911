package io.modelstash.s3;

import io.modelstash.store.StoreException;
import io.modelstash.store.blob.BlobInfo;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.MissingBlobException;
import io.modelstash.store.name.Digest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * A {@link BlobStore} in an S3 bucket (AWS S3 or an S3-compatible server: MinIO, Ceph, S3Proxy).
 *
 * <p>Layout: the same relative names as {@link io.modelstash.store.blob.LocalBlobStore}, under the
 * location's prefix: {@code <prefix>/chunks/ab/<sha256>}, {@code <prefix>/manifests/ab/<sha256>},
 * {@code <prefix>/records/ab/<sha256>}, so a local store copied into a bucket (or back) is a valid
 * store. Nothing else is written there; {@link #check} uses a probe object beside those folders and
 * deletes it.
 *
 * <p>How the {@link BlobStore} guarantees are kept without any conditional-write support from the
 * server:
 *
 * <ul>
 *   <li><b>Write once:</b> a put first asks whether the object exists (HEAD) and does nothing if
 *       so. Concurrent puts of one id may both upload; they upload identical bytes, so whichever
 *       lands last changes nothing.
 *   <li><b>All or nothing:</b> objects up to {@link S3Tuning#multipartThreshold} are buffered and
 *       sent in one PUT; larger ones are streamed in parts of {@link S3Tuning#partSize} (one part
 *       buffered at a time) as a multipart upload, which S3 publishes only on completion. If the
 *       source fails, ends before {@code length} bytes, or a request keeps failing, the upload is
 *       aborted and nothing is published. (An abort that itself cannot reach S3 leaves an invisible
 *       incomplete upload; an {@code AbortIncompleteMultipartUpload} lifecycle rule on the bucket
 *       reclaims its space.) Each request carries a Content-MD5, so S3 refuses a body damaged on
 *       the way.
 *   <li><b>Durable on return:</b> S3 acknowledges a PUT or a completed upload only once stored.
 *   <li><b>Missing is explicit:</b> an absent object is a {@link MissingBlobException}; a missing
 *       bucket, rejected credentials and an unreachable endpoint are {@link StoreException}s whose
 *       one-line message says what to fix.
 * </ul>
 *
 * <p>Every request is retried with exponential backoff and jitter on throttling (503 SlowDown, 429)
 * and transient errors (5xx, connection resets, timeouts), as {@link S3Tuning} says; a download
 * that breaks off after its first bytes resumes with a Range request from where it stopped.
 * Thread-safe; {@link #close} releases the connection pool.
 *
 * <p>The credentials need {@code s3:ListBucket} (without it S3 answers 403 instead of 404 for an
 * absent object), {@code s3:GetObject}, {@code s3:PutObject}, {@code s3:DeleteObject} and {@code
 * s3:AbortMultipartUpload} on the bucket.
 */
public final class S3BlobStore implements BlobStore {

  private static final String CREDENTIALS_HINT =
      "set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a profile";
  private static final Set<String> CREDENTIAL_ERRORS =
      Set.of(
          "InvalidAccessKeyId",
          "SignatureDoesNotMatch",
          "InvalidToken",
          "ExpiredToken",
          "TokenRefreshRequired",
          "AccessDenied",
          "AllAccessDisabled",
          "InvalidSecurity");
  private static final String CHECK_PREFIX = ".modelstash-check-";
  // S3 allows at most this many parts per upload; larger objects get larger parts.
  private static final int MAX_PARTS = 10_000;

  private final S3Client s3;
  private final AwsCredentialsProvider credentials;
  private final S3Location location;
  private final S3Tuning tuning;
  private final String bucket;
  private final String endpointText;
  private volatile boolean bucketConfirmed;

  private S3BlobStore(
      S3Client s3,
      AwsCredentialsProvider credentials,
      S3Location location,
      S3Tuning tuning,
      String endpointText) {
    this.s3 = s3;
    this.credentials = credentials;
    this.location = location;
    this.tuning = tuning;
    this.bucket = location.bucket();
    this.endpointText = endpointText;
  }

  /**
   * Opens the store at {@code location} with {@link S3Tuning#defaults()}. Makes no request: a
   * missing bucket or bad credentials show on first use, or at once with {@link #check}.
   *
   * @throws StoreException if no region is configured for AWS S3
   * @throws IllegalArgumentException if {@code AWS_ENDPOINT_URL_S3} or {@code AWS_ENDPOINT_URL}
   *     holds no valid URL
   */
  public static S3BlobStore open(S3Location location) throws StoreException {
    return open(location, S3Tuning.defaults());
  }

  /**
   * Opens the store at {@code location} with the given tuning; see {@link #open(S3Location)}.
   *
   * @throws StoreException if no region is configured for AWS S3
   */
  public static S3BlobStore open(S3Location location, S3Tuning tuning) throws StoreException {
    return open(location, tuning, System.getenv());
  }

  static S3BlobStore open(S3Location location, S3Tuning tuning, Map<String, String> env)
      throws StoreException {
    Optional<URI> endpoint = location.resolveEndpoint(env);
    Region region = region(location, endpoint.isPresent());
    AwsCredentialsProvider credentials =
        location.accessKeyId().isPresent()
            ? StaticCredentialsProvider.create(
                AwsBasicCredentials.create(
                    location.accessKeyId().get(), location.secretAccessKey().orElseThrow()))
            : DefaultCredentialsProvider.builder().build();
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(
                Apache5HttpClient.builder()
                    .connectionTimeout(tuning.connectTimeout())
                    .socketTimeout(tuning.readTimeout())
                    .maxConnections(tuning.maxConnections())
                    .tcpKeepAlive(true))
            .overrideConfiguration(o -> o.retryStrategy(retryStrategy(tuning)))
            // Integrity comes from the Content-MD5 sent with every body, which S3 and the
            // compatible servers check; the SDK's newer default checksums (CRC trailers) are
            // refused by some of those servers.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .forcePathStyle(location.pathStyle(endpoint.isPresent()))
            .region(region)
            .credentialsProvider(credentials);
    if (endpoint.isPresent()) {
      builder.endpointOverride(endpoint.get());
    } else {
      // A bucket in another region than configured still works, after one redirect.
      builder.crossRegionAccessEnabled(true);
    }
    String endpointText =
        endpoint.map(URI::toString).orElse("https://s3." + region.id() + ".amazonaws.com");
    return new S3BlobStore(builder.build(), credentials, location, tuning, endpointText);
  }

  private static Region region(S3Location location, boolean hasEndpoint) throws StoreException {
    if (location.region().isPresent()) {
      return Region.of(location.region().get());
    }
    try {
      // With an endpoint this is not AWS: skip the instance metadata service, which would only
      // cost a timeout.
      return hasEndpoint
          ? new AwsRegionProviderChain(
                  new SystemSettingsRegionProvider(), new AwsProfileRegionProvider())
              .getRegion()
          : new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      if (hasEndpoint) {
        return Region.US_EAST_1;
      }
      throw new StoreException(
          StoreException.Kind.STORE,
          "Cannot open "
              + location
              + ": no AWS region is configured (set AWS_REGION, or region in ~/.aws/config)",
          e);
    }
  }

  private static RetryStrategy retryStrategy(S3Tuning tuning) {
    Duration throttlingBase = tuning.baseDelay().multipliedBy(5);
    if (throttlingBase.compareTo(tuning.maxDelay()) > 0) {
      throttlingBase = tuning.maxDelay();
    }
    return AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts(tuning.maxAttempts())
        .backoffStrategy(BackoffStrategy.exponentialDelay(tuning.baseDelay(), tuning.maxDelay()))
        .throttlingBackoffStrategy(
            BackoffStrategy.exponentialDelay(throttlingBase, tuning.maxDelay()))
        // The circuit breaker stops retrying after many failures across requests; a bulk upload
        // would rather slow down than fail, and the attempts per request are bounded anyway.
        .circuitBreakerEnabled(false)
        .build();
  }

  /** Where the objects are: {@code s3://bucket/prefix}. */
  public S3Location location() {
    return location;
  }

  /** The object key of {@code kind}/{@code id} (whether or not it exists). */
  public String keyOf(BlobKind kind, Digest id) {
    return location.key(kind.relativeName(id));
  }

  private static String what(BlobKind kind, Digest id) {
    return kind.noun() + " " + id;
  }

  /**
   * Checks that the bucket exists, that the credentials are accepted, and that objects can be
   * written, read back and deleted, by doing so with a small probe object next to the store's
   * folders; the probe is deleted even when a step fails.
   *
   * @throws StoreException naming what to fix: a missing bucket, rejected credentials, an
   *     unreachable endpoint
   * @throws IOException if S3 fails otherwise
   */
  public void check() throws IOException {
    confirmBucket("open");
    String key =
        location.key(
            CHECK_PREFIX
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
    byte[] probe = "modelstash write check\n".getBytes(StandardCharsets.UTF_8);
    IOException failed = null;
    try {
      putSingle(key, probe, "write a test object to");
      byte[] back;
      try (InputStream in = s3.getObject(r -> r.bucket(bucket).key(key))) {
        back = in.readAllBytes();
      }
      if (!Arrays.equals(back, probe)) {
        throw new IOException(
            "Cannot use "
                + location
                + ": a test object read back different bytes than were written"
                + " (check the S3 server)");
      }
    } catch (SdkException e) {
      failed = failure("read a test object from", e);
    } catch (IOException e) {
      failed = e;
    }
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(key));
    } catch (SdkException e) {
      IOException d = failure("delete a test object from", e);
      if (failed == null) {
        throw d;
      }
      failed.addSuppressed(d);
    }
    if (failed != null) {
      throw failed;
    }
  }

  @Override
  public boolean exists(BlobKind kind, Digest id) throws IOException {
    return head(kind, id, "look up").isPresent();
  }

  @Override
  public long size(BlobKind kind, Digest id) throws IOException {
    HeadObjectResponse head = head(kind, id, "look up").orElseThrow(() -> missing(kind, id, null));
    return head.contentLength();
  }

  // A HEAD answer has no body, so a 404 does not say whether the object or the whole bucket is
  // missing; the first 404 is followed by one bucket check, so a mistyped bucket is reported as
  // such instead of as every object missing.
  private Optional<HeadObjectResponse> head(BlobKind kind, Digest id, String verb)
      throws IOException {
    String action = verb + " " + what(kind, id) + " in";
    try {
      return Optional.of(s3.headObject(r -> r.bucket(bucket).key(keyOf(kind, id))));
    } catch (AwsServiceException e) {
      if (e.statusCode() != 404) {
        throw failure(action, e);
      }
    } catch (SdkException e) {
      throw failure(action, e);
    }
    if (!bucketConfirmed) {
      confirmBucket(action);
    }
    return Optional.empty();
  }

  private void confirmBucket(String action) throws IOException {
    try {
      s3.headBucket(r -> r.bucket(bucket));
    } catch (AwsServiceException e) {
      throw e.statusCode() == 404 ? bucketMissing(action, e) : failure(action, e);
    } catch (SdkException e) {
      throw failure(action, e);
    }
    bucketConfirmed = true;
  }

  private MissingBlobException missing(BlobKind kind, Digest id, Throwable cause) {
    MissingBlobException e = new MissingBlobException(kind, id, location.toString());
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  @Override
  public void put(BlobKind kind, Digest id, InputStream in, long length) throws IOException {
    if (length >= 0 && head(kind, id, "store").isPresent()) {
      return;
    }
    putNew(kind, id, in, length);
  }

  // No HEAD first: objects are content-addressed, so writing one that exists writes the same bytes.
  @Override
  public void putNew(BlobKind kind, Digest id, InputStream in, long length) throws IOException {
    if (length < 0) {
      throw new IllegalArgumentException("length " + length + " < 0");
    }
    String key = keyOf(kind, id);
    if (length <= tuning.multipartThreshold()) {
      byte[] data = new byte[(int) length];
      readFully(in, data, (int) length, 0, length, kind, id);
      putSingle(key, data, "store " + what(kind, id) + " in");
    } else {
      putMultipart(kind, id, key, in, length);
    }
  }

  // Reads exactly n bytes into buf, or fails naming how far the source got; never reads more.
  private static void readFully(
      InputStream in, byte[] buf, int n, long done, long length, BlobKind kind, Digest id)
      throws IOException {
    int got = 0;
    while (got < n) {
      int r = in.read(buf, got, n - got);
      if (r < 0) {
        throw new EOFException(
            "Cannot store "
                + what(kind, id)
                + ": the source ended after "
                + (done + got)
                + " of "
                + length
                + " bytes");
      }
      got += r;
    }
  }

  private void putSingle(String key, byte[] data, String action) throws IOException {
    int n = data.length;
    String md5 = md5(data, n);
    try {
      s3.putObject(
          r ->
              r.bucket(bucket)
                  .key(key)
                  .contentLength((long) n)
                  .contentMD5(md5)
                  .contentType("application/octet-stream"),
          RequestBody.fromContentProvider(
              () -> new ByteArrayInputStream(data, 0, n), n, "application/octet-stream"));
    } catch (SdkException e) {
      throw failure(action, e);
    }
  }

  private void putMultipart(BlobKind kind, Digest id, String key, InputStream in, long length)
      throws IOException {
    long partSize = Math.max(tuning.partSize(), -Math.floorDiv(-length, MAX_PARTS));
    if (partSize > Integer.MAX_VALUE - 8) {
      throw new IOException(
          "Cannot store " + what(kind, id) + ": " + length + " bytes is too large for S3");
    }
    String action = "store " + what(kind, id) + " in";
    String uploadId;
    try {
      uploadId =
          s3.createMultipartUpload(
                  r -> r.bucket(bucket).key(key).contentType("application/octet-stream"))
              .uploadId();
    } catch (SdkException e) {
      throw failure(action, e);
    }
    try {
      byte[] buf = new byte[(int) Math.min(partSize, length)];
      List<CompletedPart> parts = new ArrayList<>();
      long done = 0;
      while (done < length) {
        int n = (int) Math.min(buf.length, length - done);
        readFully(in, buf, n, done, length, kind, id);
        int number = parts.size() + 1;
        String md5 = md5(buf, n);
        String etag =
            s3.uploadPart(
                    r ->
                        r.bucket(bucket)
                            .key(key)
                            .uploadId(uploadId)
                            .partNumber(number)
                            .contentLength((long) n)
                            .contentMD5(md5),
                    RequestBody.fromContentProvider(
                        () -> new ByteArrayInputStream(buf, 0, n), n, "application/octet-stream"))
                .eTag();
        parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        done += n;
      }
      complete(kind, id, key, uploadId, parts, length);
    } catch (IOException | RuntimeException | Error e) {
      try {
        s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
      } catch (SdkException abort) {
        e.addSuppressed(abort);
      }
      if (e instanceof SdkException) {
        throw failure(action, (SdkException) e);
      }
      throw e;
    }
  }

  private void complete(
      BlobKind kind, Digest id, String key, String uploadId, List<CompletedPart> parts, long length)
      throws IOException {
    try {
      s3.completeMultipartUpload(
          r -> r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(u -> u.parts(parts)));
    } catch (AwsServiceException e) {
      // A retried completion whose first try succeeded finds the upload gone: the object is there.
      if (!"NoSuchUpload".equals(errorCode(e))) {
        throw e;
      }
      Optional<HeadObjectResponse> head = head(kind, id, "store");
      if (head.isEmpty() || head.get().contentLength() != length) {
        throw e;
      }
    }
  }

  private static String md5(byte[] data, int n) {
    try {
      MessageDigest md = MessageDigest.getInstance("MD5");
      md.update(data, 0, n);
      return Base64.getEncoder().encodeToString(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has MD5", e);
    }
  }

  @Override
  public byte[] get(BlobKind kind, Digest id) throws IOException {
    try (ResumingInputStream in = download(kind, id, 0, -1)) {
      long n = in.length();
      if (n > Integer.MAX_VALUE - 8) {
        throw new IOException(
            "Cannot read " + what(kind, id) + ": " + n + " bytes do not fit in memory at once");
      }
      return in.readNBytes((int) n);
    }
  }

  @Override
  public InputStream open(BlobKind kind, Digest id) throws IOException {
    return download(kind, id, 0, -1);
  }

  @Override
  public InputStream open(BlobKind kind, Digest id, long offset, long length) throws IOException {
    if (offset < 0 || length < 0) {
      BlobStore.checkRange(kind, id, offset, length, Long.MAX_VALUE);
    }
    if (length == 0 || length > Long.MAX_VALUE - offset) {
      // HTTP cannot ask for zero bytes; the size check still reports a missing object.
      BlobStore.checkRange(kind, id, offset, length, size(kind, id));
      return InputStream.nullInputStream();
    }
    return download(kind, id, offset, length);
  }

  /** A failed read: a missing object for a 404 on the object (not the bucket), else a failure. */
  private IOException readFailure(BlobKind kind, Digest id, SdkException e) {
    return e instanceof AwsServiceException ase
            && ase.statusCode() == 404
            && !"NoSuchBucket".equals(errorCode(ase))
        ? missing(kind, id, ase)
        : failure("read " + what(kind, id) + " from", e);
  }

  /**
   * Starts a download of {@code length} bytes from {@code offset}, or of the whole object when
   * {@code length} is -1.
   */
  private ResumingInputStream download(BlobKind kind, Digest id, long offset, long length)
      throws IOException {
    ResponseInputStream<GetObjectResponse> first;
    try {
      first = get(kind, id, offset, length < 0 ? -1 : offset + length);
    } catch (SdkException e) {
      if (e instanceof AwsServiceException ase && ase.statusCode() == 416) {
        // The range starts at or past the end: say so with the real size.
        BlobStore.checkRange(kind, id, offset, length, size(kind, id));
      }
      throw readFailure(kind, id, e);
    }
    GetObjectResponse response = first.response();
    long got = response.contentLength();
    if (length >= 0 && got != length) {
      first.abort();
      String range = response.contentRange();
      if (range == null) {
        throw new IOException(
            "Cannot read "
                + what(kind, id)
                + " from "
                + location
                + ": "
                + endpointText
                + " ignored the HTTP Range header (S3 range reads are required)");
      }
      // A range reaching past the end is cut at the end, so offset + got is the size.
      BlobStore.checkRange(kind, id, offset, length, offset + got);
    }
    return new ResumingInputStream(kind, id, first, offset, offset + got);
  }

  private ResponseInputStream<GetObjectResponse> get(
      BlobKind kind, Digest id, long start, long end) {
    String key = keyOf(kind, id);
    return s3.getObject(
        r -> {
          r.bucket(bucket).key(key);
          if (end >= 0) {
            r.range("bytes=" + start + "-" + (end - 1));
          }
        });
  }

  /**
   * Streams a byte range of one object; when the connection breaks off (reset, timeout, a body
   * shorter than announced), asks again from the first byte not yet delivered, up to {@link
   * S3Tuning#maxAttempts} times with backoff. Objects are immutable, so the pieces fit together.
   */
  private final class ResumingInputStream extends InputStream {
    private final BlobKind kind;
    private final Digest id;
    private final long end;
    private ResponseInputStream<GetObjectResponse> current;
    private long pos;
    private int resumes;
    private boolean closed;

    ResumingInputStream(
        BlobKind kind,
        Digest id,
        ResponseInputStream<GetObjectResponse> first,
        long start,
        long end) {
      this.kind = kind;
      this.id = id;
      this.current = first;
      this.pos = start;
      this.end = end;
    }

    long length() {
      return end - pos;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("Stream closed");
      }
      if (len == 0) {
        return 0;
      }
      while (pos < end) {
        try {
          int n = current.read(b, off, (int) Math.min(len, end - pos));
          if (n < 0) {
            throw new EOFException("the response ended " + (end - pos) + " bytes early");
          }
          pos += n;
          return n;
        } catch (IOException e) {
          resume(e);
        } catch (SdkException e) {
          throw failure("read " + what(kind, id) + " from", e);
        }
      }
      return -1;
    }

    private void resume(IOException broken) throws IOException {
      current.abort();
      if (++resumes >= tuning.maxAttempts()) {
        throw new IOException(
            "Cannot read "
                + what(kind, id)
                + " from "
                + location
                + ": the download broke off "
                + resumes
                + (resumes == 1 ? " time" : " times")
                + ", last with: "
                + broken.getMessage(),
            broken);
      }
      try {
        Thread.sleep(
            Math.min(
                tuning.maxDelay().toMillis(),
                // doubling stops at 2^20 times the base: far beyond any max delay, and no overflow
                tuning.baseDelay().toMillis() << Math.min(resumes - 1, 20)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while resuming a download of " + what(kind, id), e);
      }
      try {
        current = get(kind, id, pos, end);
      } catch (SdkException e) {
        // a 404 here: the object was deleted meanwhile (garbage collection)
        throw readFailure(kind, id, e);
      }
    }

    @Override
    public int available() throws IOException {
      return closed ? 0 : (int) Math.min(current.available(), end - pos);
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      if (pos < end) {
        // Closing early must not drain the rest of a large body over the network.
        current.abort();
      }
      current.close();
    }
  }

  @Override
  public boolean delete(BlobKind kind, Digest id) throws IOException {
    if (head(kind, id, "delete").isEmpty()) {
      return false;
    }
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(keyOf(kind, id)));
    } catch (SdkException e) {
      throw failure("delete " + what(kind, id) + " from", e);
    }
    return true;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Pages through ListObjectsV2 lazily, 1000 objects per request; only the first page is fetched
   * before this returns. Keys under the kind's folder that are not {@code ab/<sha256>} are skipped.
   */
  @Override
  public Stream<BlobInfo> list(BlobKind kind) throws IOException {
    String folder = location.key(kind.directory() + "/");
    String action = "list the " + kind.directory() + " in";
    Iterator<S3Object> objects;
    try {
      objects =
          s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(folder)).contents().iterator();
      objects.hasNext();
    } catch (SdkException e) {
      throw failure(action, e);
    }
    Iterator<BlobInfo> infos =
        new Iterator<>() {
          private BlobInfo next;

          @Override
          public boolean hasNext() {
            try {
              while (next == null && objects.hasNext()) {
                next = info(kind, folder, objects.next());
              }
            } catch (SdkException e) {
              throw new UncheckedIOException(failure(action, e));
            }
            return next != null;
          }

          @Override
          public BlobInfo next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            BlobInfo out = next;
            next = null;
            return out;
          }
        };
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(infos, Spliterator.NONNULL | Spliterator.DISTINCT),
        false);
  }

  private static BlobInfo info(BlobKind kind, String folder, S3Object o) {
    String rest = o.key().substring(folder.length());
    if (rest.length() != 3 + Digest.HEX_LENGTH || rest.charAt(2) != '/') {
      return null;
    }
    String hex = rest.substring(3);
    if (!Digest.isValid(hex) || !hex.startsWith(rest.substring(0, 2))) {
      return null;
    }
    return new BlobInfo(kind, Digest.parse(hex), o.size(), o.lastModified());
  }

  private static String errorCode(AwsServiceException e) {
    return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
  }

  private StoreException bucketMissing(String action, SdkException e) {
    return new StoreException(
        StoreException.Kind.STORE,
        "Cannot "
            + action
            + " "
            + location
            + ": bucket '"
            + bucket
            + "' does not exist at "
            + endpointText
            + " (create it or fix --blobs)",
        e);
  }

  /**
   * Turns an SDK failure into the exception a user should see: a {@link StoreException} naming what
   * to fix for configuration problems, an {@link IOException} otherwise.
   *
   * @param action what was being done, completed by the location: "store chunk 1f2e… in"
   */
  private IOException failure(String action, SdkException e) {
    String head = "Cannot " + action + " " + location + ": ";
    String attempts =
        e.numAttempts() != null && e.numAttempts() > 1
            ? " after " + e.numAttempts() + " attempts"
            : "";
    if (e instanceof AwsServiceException) {
      AwsServiceException se = (AwsServiceException) e;
      String code = errorCode(se);
      int status = se.statusCode();
      if ("NoSuchBucket".equals(code)) {
        return bucketMissing(action, e);
      }
      if (status == 403 || CREDENTIAL_ERRORS.contains(code)) {
        return new StoreException(
            StoreException.Kind.STORE,
            head
                + endpointText
                + " refused the credentials ("
                + (code == null ? "403 Forbidden" : code)
                + "): "
                + CREDENTIALS_HINT
                + " that may read and write bucket '"
                + bucket
                + "'",
            e);
      }
      if (status == 301 || "PermanentRedirect".equals(code)) {
        return new StoreException(
            StoreException.Kind.STORE,
            head
                + "bucket '"
                + bucket
                + "' is in another region (set AWS_REGION, or region in ~/.aws/config)",
            e);
      }
      String why = code != null ? code : "HTTP " + status;
      String detail =
          se.awsErrorDetails() != null && se.awsErrorDetails().errorMessage() != null
              ? ": " + se.awsErrorDetails().errorMessage()
              : "";
      return new IOException(
          head + endpointText + " answered " + status + " " + why + attempts + detail, e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof UnknownHostException
          || t instanceof NoRouteToHostException
          || t instanceof SocketTimeoutException
              && String.valueOf(t.getMessage()).contains("connect timed out")) {
        return new StoreException(
            StoreException.Kind.STORE,
            head + "cannot reach " + endpointText + attempts + " (check --s3-endpoint)",
            e);
      }
    }
    String message = String.valueOf(e.getMessage());
    if (message.startsWith("Unable to load credentials")) {
      return new StoreException(
          StoreException.Kind.STORE, head + "no AWS credentials found: " + CREDENTIALS_HINT, e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SocketTimeoutException) {
        return new IOException(
            head
                + endpointText
                + " did not answer within "
                + tuning.readTimeout().toSeconds()
                + " s"
                + attempts,
            e);
      }
    }
    return new IOException(head + message + attempts, e);
  }

  /** Closes the HTTP connection pool and the credentials provider. */
  @Override
  public void close() {
    s3.close();
    if (credentials instanceof SdkAutoCloseable) {
      ((SdkAutoCloseable) credentials).close();
    }
  }

  @Override
  public String toString() {
    return "S3BlobStore[" + location + " at " + endpointText + "]";
  }

  @Override
  public Optional<String> storeIdentity() throws IOException {
    String key = location.key(IDENTITY_NAME);
    try (InputStream in = s3.getObject(r -> r.bucket(bucket).key(key))) {
      return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
    } catch (AwsServiceException e) {
      if (e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e))) {
        return Optional.empty();
      }
      throw failure("read the store identity from", e);
    } catch (SdkException e) {
      throw failure("read the store identity from", e);
    }
  }

  @Override
  public void recordStoreIdentity(String id) throws IOException {
    putSingle(
        location.key(IDENTITY_NAME),
        (id + "\n").getBytes(StandardCharsets.UTF_8),
        "record the store identity in");
  }
}
