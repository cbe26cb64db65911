package io.modelstash.s3;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link S3BlobStore} talks to S3: when to switch to multipart uploads, how hard to retry,
 * and how long to wait. {@link #defaults()} suits both AWS and S3-compatible servers; tests and
 * benchmarks change single settings with the {@code with…} methods.
 *
 * @param multipartThreshold objects longer than this many bytes are uploaded in parts; shorter ones
 *     are buffered whole and sent in one request
 * @param partSize bytes per part (the last may be shorter); each concurrent multipart upload
 *     buffers one part. At least 5 MiB, the S3 minimum for all parts but the last
 * @param maxAttempts attempts per request, the first included, on throttling (503 SlowDown, 429)
 *     and transient errors (other 5xx, connection resets, timeouts); also how many times a read
 *     that broke off resumes
 * @param baseDelay first backoff delay; it doubles per attempt, with random jitter, up to {@code
 *     maxDelay} (throttling starts from five times this)
 * @param maxDelay longest backoff delay
 * @param connectTimeout how long to wait for a TCP connection
 * @param readTimeout how long a request may wait for the next bytes from the server
 * @param maxConnections the size of the connection pool, i.e. how many requests run at once
 */
public record S3Tuning(
    long multipartThreshold,
    int partSize,
    int maxAttempts,
    Duration baseDelay,
    Duration maxDelay,
    Duration connectTimeout,
    Duration readTimeout,
    int maxConnections) {

  /** The smallest part S3 accepts (except for the last part of an upload). */
  public static final int MIN_PART_SIZE = 5 * 1024 * 1024;

  /** Checks every setting. */
  public S3Tuning {
    Objects.requireNonNull(baseDelay, "baseDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    if (multipartThreshold < 0) {
      throw new IllegalArgumentException("multipartThreshold " + multipartThreshold + " < 0");
    }
    if (partSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException(
          "partSize " + partSize + " is below the S3 minimum of " + MIN_PART_SIZE);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts " + maxAttempts + " < 1");
    }
    if (baseDelay.isNegative() || baseDelay.isZero() || maxDelay.compareTo(baseDelay) < 0) {
      throw new IllegalArgumentException(
          "need 0 < baseDelay <= maxDelay, got " + baseDelay + " and " + maxDelay);
    }
    if (connectTimeout.isNegative()
        || connectTimeout.isZero()
        || readTimeout.isNegative()
        || readTimeout.isZero()) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections " + maxConnections + " < 1");
    }
  }

  /**
   * Multipart above 16 MiB in 8 MiB parts; 8 attempts with backoff from 100 ms up to 20 s (about a
   * minute of throttling before giving up); 5 s to connect; 60 s read timeout; 64 connections.
   */
  public static S3Tuning defaults() {
    return new S3Tuning(
        16L * 1024 * 1024,
        8 * 1024 * 1024,
        8,
        Duration.ofMillis(100),
        Duration.ofSeconds(20),
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        64);
  }

  /** The same with another multipart threshold and part size. */
  public S3Tuning withMultipart(long threshold, int partSize) {
    return new S3Tuning(
        threshold,
        partSize,
        maxAttempts,
        baseDelay,
        maxDelay,
        connectTimeout,
        readTimeout,
        maxConnections);
  }

  /** The same with other retry settings. */
  public S3Tuning withRetries(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    return new S3Tuning(
        multipartThreshold,
        partSize,
        maxAttempts,
        baseDelay,
        maxDelay,
        connectTimeout,
        readTimeout,
        maxConnections);
  }

  /** The same with other timeouts. */
  public S3Tuning withTimeouts(Duration connectTimeout, Duration readTimeout) {
    return new S3Tuning(
        multipartThreshold,
        partSize,
        maxAttempts,
        baseDelay,
        maxDelay,
        connectTimeout,
        readTimeout,
        maxConnections);
  }
}
