package io.modelstash.store.catalog.postgres;

import io.modelstash.store.catalog.CatalogException;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import org.postgresql.PGProperty;

/**
 * Where a PostgreSQL catalog lives, parsed from a libpq-style URL {@code
 * postgresql://[user[:password]@][host[:port][,host[:port]…]][/database][?param=value&…]} (also
 * {@code postgres://…} and pgjdbc's {@code jdbc:postgresql://…}).
 *
 * <p>As in libpq, parts the URL leaves out come from {@code PGHOST}, {@code PGPORT}, {@code
 * PGDATABASE}, {@code PGUSER} and {@code PGPASSWORD}, then from the defaults (localhost, 5432, the
 * user's name as database, the operating-system user); without a password pgjdbc reads {@code
 * ~/.pgpass} (or the file {@code PGPASSFILE} names). Parameters are libpq's common ones ({@code
 * sslmode}, {@code connect_timeout}, {@code application_name}, …), any pgjdbc connection property,
 * and {@code currentSchema} (or {@code schema}): the schema that holds the catalog's tables, {@code
 * public} by default.
 *
 * <p>The password never appears in {@link #toString()}, {@link #where()} or any message.
 */
final class PostgresUrl {

  /** The schema used when the URL names none. */
  static final String DEFAULT_SCHEMA = "public";

  static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

  private static final String USAGE =
      "expected postgresql://[user[:password]@]host[:port]/database[?currentSchema=name]";

  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** libpq parameter names that pgjdbc spells differently. */
  private static final Map<String, String> LIBPQ_NAMES =
      Map.of("application_name", PGProperty.APPLICATION_NAME.getName());

  private final List<String> hosts;
  private final String database;
  private final String user;
  private final Optional<String> password;
  private final String schema;
  private final Map<String, String> properties;

  private PostgresUrl(
      List<String> hosts,
      String database,
      String user,
      Optional<String> password,
      String schema,
      Map<String, String> properties) {
    this.hosts = List.copyOf(hosts);
    this.database = database;
    this.user = user;
    this.password = password;
    this.schema = schema;
    this.properties = Map.copyOf(properties);
  }

  /**
   * Parses {@code url}, taking what it leaves out from {@code env} (the process environment in
   * production).
   *
   * @throws CatalogException if it is not such a URL, naming the problem but never the password
   */
  static PostgresUrl parse(String url, Map<String, String> env) throws CatalogException {
    String rest = url.strip();
    String scheme = null;
    for (String s : List.of("jdbc:postgresql://", "postgresql://", "postgres://")) {
      if (rest.regionMatches(true, 0, s, 0, s.length())) {
        scheme = s;
        break;
      }
    }
    if (scheme == null) {
      throw invalid(url, "it is not a PostgreSQL URL (" + USAGE + ")");
    }
    rest = rest.substring(scheme.length());
    int authorityEnd = rest.length();
    for (char stop : new char[] {'/', '?'}) {
      int i = rest.indexOf(stop);
      if (i >= 0) {
        authorityEnd = Math.min(authorityEnd, i);
      }
    }
    // Checked before anything is echoed: an unencoded '/' or '?' in a password would otherwise
    // spill part of it into the database name or the parameters.
    if (rest.indexOf('@', authorityEnd) >= 0) {
      throw invalid(
          url,
          "it has an '@' after the host; percent-encode '@', '/', '?' and ':' in the user name and"
              + " password (for example '/' as %2F)");
    }
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    String path = "";
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      path = rest.substring(slash + 1);
      rest = rest.substring(0, slash);
    }
    String userInfo = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
    }

    String user = null;
    String password = null;
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(url, colon >= 0 ? userInfo.substring(0, colon) : userInfo);
      if (colon >= 0) {
        password = decode(url, userInfo.substring(colon + 1));
      }
    }
    if (path.contains("/")) {
      throw invalid(url, "the database name contains '/' (" + USAGE + ")");
    }
    String database = path.isEmpty() ? null : decode(url, path);
    String schema = null;
    Map<String, String> properties = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw invalid(url, "parameter '" + pair + "' has no '=value'");
      }
      String name = decode(url, pair.substring(0, eq));
      String value = decode(url, pair.substring(eq + 1));
      switch (name) {
        // libpq's limit covers the whole connection, authentication included
        case "connect_timeout" -> {
          properties.put(PGProperty.CONNECT_TIMEOUT.getName(), value);
          properties.put(PGProperty.LOGIN_TIMEOUT.getName(), value);
        }
        case "user" -> user = value;
        case "password" -> password = value;
        case "dbname" -> database = value;
        case "currentSchema", "schema" -> schema = value;
        default -> properties.put(propertyName(url, name), value);
      }
    }

    if (user == null || user.isEmpty()) {
      user = nonEmpty(env.get("PGUSER")).orElse(System.getProperty("user.name"));
    }
    if (password == null) {
      password = env.get("PGPASSWORD");
    }
    if (database == null || database.isEmpty()) {
      database = nonEmpty(env.get("PGDATABASE")).orElse(user);
    }
    if (schema == null) {
      schema = DEFAULT_SCHEMA;
    }
    if (!SCHEMA.matcher(schema).matches() || schema.startsWith("pg_")) {
      throw invalid(
          url,
          "schema '"
              + schema
              + "' must be 1 to 63 lowercase letters, digits and underscores, start with a letter"
              + " or underscore, and not start with pg_");
    }
    List<String> hosts = hosts(url, decode(url, rest), env);
    // Both, so that a server that accepts the connection but never answers fails as quickly.
    properties.putIfAbsent(
        PGProperty.CONNECT_TIMEOUT.getName(), Integer.toString(DEFAULT_CONNECT_TIMEOUT_SECONDS));
    properties.putIfAbsent(
        PGProperty.LOGIN_TIMEOUT.getName(), Integer.toString(DEFAULT_CONNECT_TIMEOUT_SECONDS));
    properties.putIfAbsent(PGProperty.TCP_KEEP_ALIVE.getName(), "true");
    properties.putIfAbsent(PGProperty.APPLICATION_NAME.getName(), "modelstash");
    return new PostgresUrl(
        hosts, database, user, Optional.ofNullable(password), schema, properties);
  }

  private static Optional<String> nonEmpty(String s) {
    return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s);
  }

  private static String propertyName(String url, String name) throws CatalogException {
    String mapped = LIBPQ_NAMES.getOrDefault(name, name);
    PGProperty p = PGProperty.forName(mapped);
    if (p == null
        || p == PGProperty.PG_HOST
        || p == PGProperty.PG_PORT
        || p == PGProperty.PG_DBNAME
        || p == PGProperty.CURRENT_SCHEMA) {
      throw invalid(
          url,
          "unknown parameter '"
              + name
              + "' (use libpq's sslmode, connect_timeout, application_name or a pgjdbc connection"
              + " property)");
    }
    return mapped;
  }

  /** Splits {@code host[:port],…}; an empty list means PGHOST/PGPORT or localhost:5432. */
  private static List<String> hosts(String url, String spec, Map<String, String> env)
      throws CatalogException {
    String defaultPort = nonEmpty(env.get("PGPORT")).orElse("5432");
    checkPort(url, defaultPort);
    if (spec.isEmpty()) {
      String fromEnv = env.get("PGHOST");
      // A PGHOST starting with '/' names a Unix-domain socket directory, which pgjdbc cannot use.
      spec = fromEnv == null || fromEnv.isEmpty() || fromEnv.startsWith("/") ? "" : fromEnv;
    }
    List<String> out = new ArrayList<>();
    for (String h : spec.split(",", -1)) {
      String host;
      String port = defaultPort;
      if (h.startsWith("[")) {
        int end = h.indexOf(']');
        if (end < 0) {
          throw invalid(url, "host '" + h + "' lacks the closing ']'");
        }
        host = h.substring(0, end + 1);
        String after = h.substring(end + 1);
        if (after.startsWith(":")) {
          port = after.substring(1);
        } else if (!after.isEmpty()) {
          throw invalid(url, "unexpected '" + after + "' after host " + host);
        }
      } else {
        int colon = h.lastIndexOf(':');
        host = colon >= 0 ? h.substring(0, colon) : h;
        if (colon >= 0) {
          port = h.substring(colon + 1);
        }
      }
      checkPort(url, port);
      out.add((host.isEmpty() ? "localhost" : host) + ":" + port);
    }
    return out;
  }

  private static void checkPort(String url, String port) throws CatalogException {
    if (!PORT.matcher(port).matches()
        || Integer.parseInt(port) < 1
        || Integer.parseInt(port) > 65535) {
      throw invalid(url, "port '" + port + "' is not a number from 1 to 65535");
    }
  }

  /** Percent-decodes as libpq does ({@code +} stays a plus sign). */
  private static String decode(String url, String s) throws CatalogException {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '%') {
        if (i + 2 >= s.length()
            || Character.digit(s.charAt(i + 1), 16) < 0
            || Character.digit(s.charAt(i + 2), 16) < 0) {
          throw invalid(url, "it has a '%' not followed by two hex digits");
        }
        out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(ch).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static CatalogException invalid(String url, String problem) {
    return new CatalogException("Cannot open catalog " + redact(url) + ": " + problem);
  }

  /** {@code url} with any password replaced by {@code ***}, for messages about a bad URL. */
  static String redact(String url) {
    String s = url.strip();
    int start = s.indexOf("://");
    if (start >= 0) {
      // The last '@' anywhere, since an unencoded '/' or '?' may hide within the password; hiding
      // too much of a malformed URL is harmless.
      int at = s.lastIndexOf('@');
      int colon = s.indexOf(':', start + 3);
      if (at > start && colon >= 0 && colon < at) {
        s = s.substring(0, colon + 1) + "***" + s.substring(at);
      }
    }
    return s.replaceAll("(?i)([?&]password=)[^&]*", "$1***");
  }

  /** The hosts to try in order, each {@code host:port}. */
  List<String> hosts() {
    return hosts;
  }

  String database() {
    return database;
  }

  String user() {
    return user;
  }

  boolean hasPassword() {
    return password.isPresent();
  }

  /** The schema that holds the catalog's tables. */
  String schema() {
    return schema;
  }

  /** The URL pgjdbc connects to, without credentials. */
  String jdbcUrl() {
    return "jdbc:postgresql://"
        + String.join(",", hosts)
        + "/"
        + URLEncoder.encode(database, StandardCharsets.UTF_8);
  }

  /** The connection properties for pgjdbc, the credentials included. */
  Properties properties() {
    Properties p = new Properties();
    p.putAll(properties);
    p.setProperty(PGProperty.USER.getName(), user);
    password.ifPresent(pw -> p.setProperty(PGProperty.PASSWORD.getName(), pw));
    return p;
  }

  /** The connection timeout in seconds, for messages. */
  String connectTimeoutSeconds() {
    return properties.get(PGProperty.LOGIN_TIMEOUT.getName());
  }

  /** The location for messages: the URL without password or parameters, plus the schema. */
  String where() {
    return "postgresql://"
        + user
        + "@"
        + String.join(",", hosts)
        + "/"
        + database
        + (schema.equals(DEFAULT_SCHEMA) ? "" : "?currentSchema=" + schema);
  }

  @Override
  public String toString() {
    return where();
  }
}
