package io.modelstash.cli;

import io.modelstash.store.catalog.postgres.PostgresCatalog;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Where a store lives: one local directory (the default), or a catalog URL and a blob-store URL
 * (the team setup: PostgreSQL and S3-compatible object storage), each from the command line, the
 * environment or a config file, in that order of precedence.
 *
 * <p>Catalog URLs: {@code postgresql://[user[:password]@]host[:port]/database[?schema=name]} (also
 * {@code postgres://} and {@code jdbc:postgresql://}), or {@code sqlite:/path/catalog.db}. Blob
 * URLs: {@code s3://bucket[/prefix]}, or a local folder ({@code file:/dir} or a plain path).
 *
 * <p>The config file is a Java properties file with the keys {@code catalog}, {@code blobs}, {@code
 * s3.endpoint} and {@code store} (a directory); it is {@code --config FILE}, else {@code
 * $MODELSTASH_CONFIG}, else {@code ~/.config/modelstash/config.properties} if it exists.
 */
record StoreLocation(
    Optional<Path> directory,
    Optional<String> catalog,
    Optional<String> blobs,
    Optional<URI> s3Endpoint) {

  /** The config file keys this code understands; others are refused, as they are likely typos. */
  private static final Set<String> KEYS = Set.of("catalog", "blobs", "s3.endpoint", "store");

  StoreLocation {
    if (directory.isPresent() && (catalog.isPresent() || blobs.isPresent())) {
      throw new UserException(
          ExitCode.USAGE,
          "Give either a store directory (--store) or a catalog and blobs (--catalog, --blobs),"
              + " not both");
    }
    if (catalog.isPresent() != blobs.isPresent()) {
      throw new UserException(
          ExitCode.USAGE,
          catalog.isPresent()
              ? "--catalog needs --blobs too: add --blobs s3://bucket/prefix (or a folder)"
              : "--blobs needs --catalog too: add --catalog postgresql://host/database");
    }
    if (catalog.isEmpty()) {
      // an endpoint means nothing to a local store; dropping it keeps equal stores equal
      s3Endpoint = Optional.empty();
    }
  }

  /** Whether this is a catalog + blobs store rather than one directory. */
  boolean isSplit() {
    return catalog.isPresent();
  }

  /** A local store in {@code dir}. */
  static StoreLocation local(Path dir) {
    return new StoreLocation(
        Optional.of(dir), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** A store with its catalog and blobs in the given places. */
  static StoreLocation split(String catalog, String blobs, Optional<URI> s3Endpoint) {
    return new StoreLocation(
        Optional.empty(), Optional.of(catalog), Optional.of(blobs), s3Endpoint);
  }

  /**
   * Resolves the location from options (any may be null), the environment and the config file.
   *
   * @param env the environment, e.g. {@code System.getenv()}
   * @param home the user's home directory
   * @param cwd what relative paths from the environment and config file resolve against
   */
  static StoreLocation resolve(
      Path storeOption,
      String catalogOption,
      String blobsOption,
      String endpointOption,
      Path configOption,
      Map<String, String> env,
      Path home,
      Path cwd) {
    Properties config = loadConfig(configOption, env, home, cwd);
    String endpointText =
        first(endpointOption, env.get("MODELSTASH_S3_ENDPOINT"), config.getProperty("s3.endpoint"));
    Optional<URI> endpoint = Optional.ofNullable(endpointText).map(StoreLocation::parseEndpoint);
    // --store on the command line wins outright over a team store configured elsewhere.
    if (storeOption != null) {
      return new StoreLocation(
              Optional.of(storeOption),
              Optional.ofNullable(blankToNull(catalogOption)),
              Optional.ofNullable(blankToNull(blobsOption)),
              endpoint)
          .within(cwd);
    }
    // Otherwise each setting comes from the first of: option, environment, config file.
    String catalog =
        first(catalogOption, env.get("MODELSTASH_CATALOG"), config.getProperty("catalog"));
    String blobs = first(blobsOption, env.get("MODELSTASH_BLOBS"), config.getProperty("blobs"));
    if (catalog != null || blobs != null) {
      return new StoreLocation(
              Optional.empty(), Optional.ofNullable(catalog), Optional.ofNullable(blobs), endpoint)
          .within(cwd);
    }
    String store = first(null, env.get("MODELSTASH_STORE"), config.getProperty("store"));
    return local(store != null ? cwd.resolve(store) : home.resolve(".modelstash"));
  }

  /**
   * This location with its relative paths (a store directory, a {@code sqlite:} catalog file, a
   * blobs folder) resolved against {@code cwd}.
   */
  StoreLocation within(Path cwd) {
    return new StoreLocation(
        directory.map(cwd::resolve),
        catalog.map(
            c ->
                c.toLowerCase(Locale.ROOT).startsWith("sqlite:")
                    ? "sqlite:" + cwd.resolve(sqliteFile(c))
                    : c),
        blobs.map(b -> isS3(b) ? b : cwd.resolve(blobFolder(b)).toString()),
        s3Endpoint);
  }

  /** Reads a location from a config file alone (for {@code migrate --to FILE}). */
  static StoreLocation fromConfig(Path file) {
    Properties p = read(file);
    String store = blankToNull(p.getProperty("store"));
    String catalog = blankToNull(p.getProperty("catalog"));
    String blobs = blankToNull(p.getProperty("blobs"));
    if (store == null && catalog == null && blobs == null) {
      throw new UserException(
          ExitCode.USAGE,
          "Config file "
              + file
              + " names no store: set 'store = DIR', or 'catalog = postgresql://...' and"
              + " 'blobs = s3://...'");
    }
    return new StoreLocation(
        Optional.ofNullable(store).map(Path::of),
        Optional.ofNullable(catalog),
        Optional.ofNullable(blobs),
        Optional.ofNullable(blankToNull(p.getProperty("s3.endpoint")))
            .map(StoreLocation::parseEndpoint));
  }

  /** What to show the user: never a password. */
  String describe() {
    if (!isSplit()) {
      return directory.orElseThrow().toString();
    }
    return "catalog " + redact(catalog.orElseThrow()) + ", blobs " + blobs.orElseThrow();
  }

  /** {@code url} with any password replaced by {@code ***}. */
  static String redact(String url) {
    return PostgresCatalog.redact(url);
  }

  /** Whether a catalog URL names PostgreSQL. */
  static boolean isPostgres(String catalog) {
    String lower = catalog.toLowerCase(Locale.ROOT);
    return lower.startsWith("postgresql://")
        || lower.startsWith("postgres://")
        || lower.startsWith("jdbc:postgresql:");
  }

  /** The SQLite file a {@code sqlite:} catalog URL names. */
  static Path sqliteFile(String catalog) {
    if (!catalog.toLowerCase(Locale.ROOT).startsWith("sqlite:")) {
      throw new UserException(
          ExitCode.USAGE,
          "Unsupported catalog '"
              + redact(catalog)
              + "': use postgresql://host/database or sqlite:/path/catalog.db");
    }
    String rest = catalog.substring("sqlite:".length());
    if (rest.startsWith("//")) {
      rest = rest.substring(2);
    }
    if (rest.isBlank()) {
      throw new UserException(ExitCode.USAGE, "The catalog 'sqlite:' names no file");
    }
    return Path.of(rest);
  }

  /** Whether a blobs URL names S3. */
  static boolean isS3(String blobs) {
    return blobs.toLowerCase(Locale.ROOT).startsWith("s3://");
  }

  /** The folder a local blobs URL names. */
  static Path blobFolder(String blobs) {
    String lower = blobs.toLowerCase(Locale.ROOT);
    if (lower.startsWith("file:")) {
      String rest = blobs.substring("file:".length());
      return Path.of(rest.startsWith("//") ? rest.substring(2) : rest);
    }
    if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
      throw new UserException(
          ExitCode.USAGE,
          "Unsupported blobs '" + blobs + "': use s3://bucket/prefix or a local folder");
    }
    return Path.of(blobs);
  }

  static URI parseEndpoint(String text) {
    URI uri;
    try {
      uri = URI.create(text.trim());
    } catch (IllegalArgumentException e) {
      throw new UserException(
          ExitCode.USAGE, "Invalid --s3-endpoint '" + text + "': " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new UserException(
          ExitCode.USAGE,
          "Invalid --s3-endpoint '" + text + "': give a URL such as http://127.0.0.1:9000");
    }
    return uri;
  }

  private static Properties loadConfig(Path option, Map<String, String> env, Path home, Path cwd) {
    if (option != null) {
      return read(option);
    }
    String fromEnv = blankToNull(env.get("MODELSTASH_CONFIG"));
    if (fromEnv != null) {
      return read(cwd.resolve(fromEnv));
    }
    String xdg = blankToNull(env.get("XDG_CONFIG_HOME"));
    Path dflt =
        (xdg != null ? cwd.resolve(xdg) : home.resolve(".config"))
            .resolve("modelstash")
            .resolve("config.properties");
    return Files.isRegularFile(dflt) ? read(dflt) : new Properties();
  }

  private static Properties read(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      throw new UserException(ExitCode.USAGE, "No such config file: " + file);
    } catch (IOException | IllegalArgumentException e) {
      throw new UserException(
          ExitCode.USAGE, "Cannot read config file " + file + ": " + e.getMessage());
    }
    for (String key : p.stringPropertyNames()) {
      if (!KEYS.contains(key)) {
        throw new UserException(
            ExitCode.USAGE,
            "Config file "
                + file
                + " has unknown key '"
                + key
                + "' (known: catalog, blobs, s3.endpoint, store)");
      }
    }
    return p;
  }

  private static String first(String a, String b, String c) {
    a = blankToNull(a);
    if (a != null) {
      return a;
    }
    b = blankToNull(b);
    return b != null ? b : blankToNull(c);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
