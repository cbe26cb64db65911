package io.modelstash.s3;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where an S3 blob store lives and how to reach it: a bucket and a key prefix, parsed from {@code
 * s3://bucket/optional/prefix}, plus what the AWS settings do not already say.
 *
 * <ul>
 *   <li><b>Endpoint</b> for S3-compatible servers (MinIO, Ceph, S3Proxy): {@link #withEndpoint}, or
 *       else {@code AWS_ENDPOINT_URL_S3}, or else {@code AWS_ENDPOINT_URL} (both ignored when
 *       {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true}); none means AWS S3 itself.
 *   <li><b>Region</b>: {@link #withRegion}, or else {@code AWS_REGION} / {@code aws.region} / the
 *       profile; with an endpoint and none of those, {@code us-east-1} (what S3-compatible servers
 *       expect).
 *   <li><b>Path-style access</b> ({@code http://host/bucket/key}): on by default when an endpoint
 *       is given, since such servers rarely have a DNS name per bucket.
 *   <li><b>Credentials</b>: {@link #withCredentials}, or else the AWS default chain ({@code
 *       AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, {@code AWS_PROFILE} and {@code
 *       ~/.aws/credentials}/{@code ~/.aws/config}, container and instance roles).
 * </ul>
 *
 * <p>Immutable. Invalid input is refused with an {@link IllegalArgumentException} whose message is
 * one line saying what was wrong. {@link #toString} never shows the secret key.
 */
public final class S3Location {

  // AWS's rules for new buckets: 3-63 characters, lowercase letters, digits, dots and hyphens,
  // starting and ending with a letter or digit.
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final String SCHEME = "s3://";

  private final String bucket;
  private final String prefix;
  private final URI endpoint;
  private final String region;
  private final Boolean pathStyle;
  private final String accessKeyId;
  private final String secretAccessKey;

  private S3Location(
      String bucket,
      String prefix,
      URI endpoint,
      String region,
      Boolean pathStyle,
      String accessKeyId,
      String secretAccessKey) {
    this.bucket = bucket;
    this.prefix = prefix;
    this.endpoint = endpoint;
    this.region = region;
    this.pathStyle = pathStyle;
    this.accessKeyId = accessKeyId;
    this.secretAccessKey = secretAccessKey;
  }

  /**
   * Parses {@code s3://bucket} or {@code s3://bucket/prefix/of/any/depth} (a trailing slash is
   * allowed). Objects are stored under {@code prefix/chunks/…}, {@code prefix/manifests/…}, …
   *
   * @throws IllegalArgumentException if {@code url} is not of that form
   */
  public static S3Location parse(String url) {
    Objects.requireNonNull(url, "url");
    if (!url.startsWith(SCHEME)) {
      throw invalid(url, "it must start with s3:// (e.g. s3://my-bucket/models)");
    }
    String rest = url.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String prefix = slash < 0 ? "" : rest.substring(slash + 1);
    if (prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    if (bucket.isEmpty()) {
      throw invalid(url, "the bucket name is missing (e.g. s3://my-bucket/models)");
    }
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
      throw invalid(
          url,
          "bucket name '"
              + bucket
              + "' is not valid: use 3-63 lowercase letters, digits, dots and hyphens,"
              + " starting and ending with a letter or digit");
    }
    if (!prefix.isEmpty()) {
      for (String segment : prefix.split("/", -1)) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          throw invalid(url, "the prefix has an empty, '.' or '..' segment");
        }
      }
      for (int i = 0; i < prefix.length(); i++) {
        char c = prefix.charAt(i);
        if (c < 0x20 || c == 0x7f || c == '\\') {
          throw invalid(url, "the prefix contains a control character or a backslash");
        }
      }
    }
    return new S3Location(bucket, prefix, null, null, null, null, null);
  }

  private static IllegalArgumentException invalid(String url, String why) {
    return new IllegalArgumentException("Invalid S3 location " + quote(url) + ": " + why);
  }

  private static String quote(String text) {
    String shown = text.length() > 100 ? text.substring(0, 100) + "..." : text;
    StringBuilder out = new StringBuilder("'");
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return out.append('\'').toString();
  }

  /**
   * The same location reached through an S3-compatible server, e.g. {@code http://minio:9000};
   * turns path-style access on unless {@link #withPathStyle} says otherwise.
   *
   * @throws IllegalArgumentException unless {@code endpoint} is an http or https URL with a host
   */
  public S3Location withEndpoint(String endpoint) {
    return new S3Location(
        bucket, prefix, parseEndpoint(endpoint), region, pathStyle, accessKeyId, secretAccessKey);
  }

  static URI parseEndpoint(String endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    String hint = "expected http://host:port or https://host (check --s3-endpoint)";
    URI uri;
    try {
      uri = new URI(endpoint.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "Invalid S3 endpoint " + quote(endpoint) + ": " + e.getReason() + "; " + hint);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new IllegalArgumentException("Invalid S3 endpoint " + quote(endpoint) + ": " + hint);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "Invalid S3 endpoint "
              + quote(endpoint)
              + ": it must not contain a user, a query or a fragment; "
              + hint);
    }
    return uri;
  }

  /**
   * The same location in region {@code region} (e.g. {@code eu-west-1}).
   *
   * @throws IllegalArgumentException if {@code region} is blank or not a region name
   */
  public S3Location withRegion(String region) {
    Objects.requireNonNull(region, "region");
    if (!region.matches("[a-z0-9][a-z0-9-]{0,62}")) {
      throw new IllegalArgumentException(
          "Invalid S3 region " + quote(region) + ": expected a name such as us-east-1");
    }
    return new S3Location(
        bucket, prefix, endpoint, region, pathStyle, accessKeyId, secretAccessKey);
  }

  /** The same location with path-style access ({@code host/bucket/key}) switched on or off. */
  public S3Location withPathStyle(boolean pathStyle) {
    return new S3Location(
        bucket, prefix, endpoint, region, pathStyle, accessKeyId, secretAccessKey);
  }

  /**
   * The same location with fixed credentials instead of the AWS default chain.
   *
   * @throws IllegalArgumentException if either is empty
   */
  public S3Location withCredentials(String accessKeyId, String secretAccessKey) {
    if (accessKeyId == null || accessKeyId.isEmpty()) {
      throw new IllegalArgumentException("The S3 access key id is empty");
    }
    if (secretAccessKey == null || secretAccessKey.isEmpty()) {
      throw new IllegalArgumentException("The S3 secret access key is empty");
    }
    return new S3Location(
        bucket, prefix, endpoint, region, pathStyle, accessKeyId, secretAccessKey);
  }

  /** The bucket name. */
  public String bucket() {
    return bucket;
  }

  /** The key prefix without leading or trailing slash; empty for the bucket's root. */
  public String prefix() {
    return prefix;
  }

  /** The endpoint given with {@link #withEndpoint}, if any (the environment is not consulted). */
  public Optional<URI> endpoint() {
    return Optional.ofNullable(endpoint);
  }

  /** The region given with {@link #withRegion}, if any (the environment is not consulted). */
  public Optional<String> region() {
    return Optional.ofNullable(region);
  }

  /**
   * The endpoint to use: the one given, else {@code AWS_ENDPOINT_URL_S3}, else {@code
   * AWS_ENDPOINT_URL} from {@code env}; empty for AWS S3 itself.
   *
   * @throws IllegalArgumentException if an environment variable holds no valid endpoint
   */
  Optional<URI> resolveEndpoint(Map<String, String> env) {
    if (endpoint != null) {
      return Optional.of(endpoint);
    }
    if ("true".equalsIgnoreCase(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))) {
      return Optional.empty();
    }
    for (String name : new String[] {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        try {
          return Optional.of(parseEndpoint(value));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "Invalid "
                  + name
                  + " "
                  + quote(value)
                  + ": expected http://host:port or https://host");
        }
      }
    }
    return Optional.empty();
  }

  /** Whether to use path-style access, given the endpoint actually used. */
  boolean pathStyle(boolean hasEndpoint) {
    return pathStyle != null ? pathStyle : hasEndpoint;
  }

  /** The fixed access key id, if {@link #withCredentials} was used. */
  Optional<String> accessKeyId() {
    return Optional.ofNullable(accessKeyId);
  }

  /** The fixed secret key, if {@link #withCredentials} was used. */
  Optional<String> secretAccessKey() {
    return Optional.ofNullable(secretAccessKey);
  }

  /** The object key under which {@code relative} (e.g. {@code chunks/ab/ab12…}) is stored. */
  String key(String relative) {
    return prefix.isEmpty() ? relative : prefix + "/" + relative;
  }

  /** {@code s3://bucket/prefix}, as parsed; never the credentials. */
  @Override
  public String toString() {
    return SCHEME + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
  }
}
