package io.modelstash.store.catalog.jdbc;

import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.CatalogException;
import io.modelstash.store.catalog.CatalogStats;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.ChunkRecord;
import io.modelstash.store.catalog.NewVersion;
import io.modelstash.store.catalog.PathSummary;
import io.modelstash.store.catalog.RemoveResult;
import io.modelstash.store.catalog.Sweep;
import io.modelstash.store.catalog.SweepFence;
import io.modelstash.store.catalog.SweepRequest;
import io.modelstash.store.catalog.SweptObjectException;
import io.modelstash.store.catalog.TagResult;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Catalog} over JDBC with portable SQL (see {@code package-info}). Subclasses say how to
 * connect, how to begin transactions, and which errors are transient.
 *
 * <p>Each operation runs in one transaction on a pooled connection; at most {@code maxConnections}
 * are in use at once and up to {@value #MAX_IDLE} are kept open between operations. A transaction
 * that fails with a {@linkplain #isRetryable retryable} error is rolled back and run again on a
 * fresh attempt after a short randomized backoff, for up to {@link #RETRY_LIMIT} in total. A write
 * transaction whose connection was {@linkplain #isConnectionLost lost} while committing is not
 * retried: it may have committed, and the {@link CatalogException} says so.
 */
public abstract class JdbcCatalog implements Catalog {

  /** How long an operation keeps retrying transient errors before giving up. */
  public static final Duration RETRY_LIMIT = Duration.ofSeconds(60);

  /** How many open connections are kept for reuse between operations. */
  public static final int MAX_IDLE = 4;

  private static final String VERSION_COLUMNS =
      "v.path, v.number, v.created_at, v.file_sha256, v.size, v.stored_bytes_added, v.manifest,"
          + " v.format, v.original_name, v.note";

  private final Clock clock;
  private final String where;
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
  private final Semaphore inUse;
  private final int maxConnections;
  private volatile boolean closed;

  /**
   * A catalog without a limit on connections in use at once.
   *
   * @param clock the source of commit times
   * @param where the catalog's location, for messages
   */
  protected JdbcCatalog(Clock clock, String where) {
    this(clock, where, Integer.MAX_VALUE);
  }

  /**
   * @param clock the source of commit times
   * @param where the catalog's location, for messages; never a password
   * @param maxConnections how many connections may be in use at once; more operations wait
   */
  protected JdbcCatalog(Clock clock, String where, int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections " + maxConnections + " < 1");
    }
    this.clock = clock;
    this.where = where;
    this.maxConnections = maxConnections;
    this.inUse = new Semaphore(maxConnections);
  }

  /** Opens a new connection, configured for use by {@link #begin}. */
  protected abstract Connection connect() throws SQLException;

  /**
   * Begins a transaction on {@code c}. A {@code write} transaction must take the database's write
   * lock (or enough locks) that concurrent commits to one path serialize.
   */
  protected abstract void begin(Connection c, boolean write) throws SQLException;

  /** Commits the transaction begun on {@code c}. */
  protected abstract void commit(Connection c) throws SQLException;

  /**
   * Rolls back the transaction begun on {@code c}; also called when {@link #begin} failed, so it
   * must accept a connection without an open transaction.
   */
  protected abstract void rollback(Connection c) throws SQLException;

  /**
   * Whether {@code e} is transient (lock contention) so that running the transaction again may
   * succeed.
   */
  protected abstract boolean isRetryable(SQLException e);

  /**
   * Whether {@code e} means the connection to a database server broke, so that a transaction whose
   * commit was under way may or may not have committed, and the connection is unusable.
   */
  protected boolean isConnectionLost(SQLException e) {
    return false;
  }

  /**
   * Runs first in the transaction that creates or upgrades the schema, for what the database needs
   * before the tables (such as a namespace to hold them).
   */
  protected void beforeMigrate(Connection c) throws SQLException {}

  /**
   * Which schema scripts apply where the databases differ ({@code schema-v<N>-<dialect>.sql}):
   * {@code sqlite} or {@code postgres}.
   */
  protected abstract String dialect();

  /**
   * {@code expression} (a text column) as an {@code ORDER BY} key that sorts by the bytes of its
   * UTF-8 encoding, whatever the database's default collation; ties then break the same way on
   * every database.
   */
  protected String bytewise(String expression) {
    return expression;
  }

  /**
   * Brings {@code catalog}'s schema up to date and returns it; closes it if that fails, so an
   * implementation's {@code open} can return this directly.
   */
  protected static <C extends JdbcCatalog> C migrated(C catalog) throws CatalogException {
    try {
      ((JdbcCatalog) catalog).migrate(); // private: reachable through the class, not C
    } catch (CatalogException | RuntimeException e) {
      try {
        catalog.close();
      } catch (CatalogException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
    return catalog;
  }

  /** Creates or upgrades the schema. */
  private void migrate() throws CatalogException {
    int from =
        run(
            true,
            "open catalog",
            "Cannot open catalog " + where,
            c -> {
              beforeMigrate(c);
              return SchemaMigrator.migrate(c, where, dialect());
            });
    if (from > 0 && from < SchemaMigrator.LATEST) {
      afterUpgrade(from);
    }
  }

  /**
   * Runs once after this opener upgraded an existing catalog from schema {@code from}, outside any
   * transaction; by default nothing.
   */
  protected void afterUpgrade(int from) {}

  /** The catalog's location, for messages. */
  protected final String where() {
    return where;
  }

  /** Work inside a transaction. */
  @FunctionalInterface
  protected interface Work<T> {
    /** Runs on {@code c} inside an open transaction. */
    T run(Connection c) throws SQLException, CatalogException;
  }

  /** Runs {@code work} in one transaction, retrying transient failures. */
  protected final <T> T inTransaction(boolean write, String action, Work<T> work)
      throws CatalogException {
    String failure = "Cannot " + action + " in catalog " + where;
    if (!write) {
      return run(false, action, failure, work);
    }
    return run(
        true,
        action,
        failure,
        c -> {
          SchemaMigrator.requireLatest(c, failure);
          return work.run(c);
        });
  }

  /**
   * Runs {@code work} in one transaction, retrying transient failures; {@code failure} starts the
   * message of the exception thrown when it cannot be done.
   */
  private <T> T run(boolean write, String action, String failure, Work<T> work)
      throws CatalogException {
    if (closed) {
      throw new CatalogException("Cannot " + action + ": catalog " + where + " is closed");
    }
    long deadline = System.nanoTime() + RETRY_LIMIT.toNanos();
    for (int attempt = 0; ; attempt++) {
      acquire(action);
      Connection c = null;
      boolean committing = false;
      try {
        c = borrow();
        begin(c, write);
        T result = work.run(c);
        committing = true;
        commit(c);
        release(c);
        return result;
      } catch (SQLException e) {
        boolean lost = isConnectionLost(e);
        discardOrRelease(c, lost, e);
        if (write && committing && lost) {
          throw new CatalogException(
              failure
                  + ": the connection broke while committing, so the outcome is unknown (it may"
                  + " have happened; check before trying again): "
                  + oneLine(e.getMessage()),
              e);
        }
        if (isRetryable(e) && System.nanoTime() < deadline) {
          backoff(attempt, action);
          continue;
        }
        throw new CatalogException(failure + ": " + oneLine(e.getMessage()), e);
      } catch (CatalogException | RuntimeException | Error e) {
        discardOrRelease(c, false, e);
        throw e;
      } finally {
        inUse.release();
      }
    }
  }

  private void acquire(String action) throws CatalogException {
    try {
      if (!inUse.tryAcquire(RETRY_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new CatalogException(
            "Cannot "
                + action
                + ": all "
                + maxConnections
                + " connections to catalog "
                + where
                + " stayed busy for "
                + RETRY_LIMIT.toSeconds()
                + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CatalogException(
          "Cannot " + action + ": interrupted while waiting for a connection", e);
    }
  }

  // Rolls back even when begin failed, since it may have opened the transaction before failing.
  private void discardOrRelease(Connection c, boolean lost, Throwable failure) {
    if (c == null) {
      return;
    }
    if (lost) {
      closeQuietly(c, failure);
      return;
    }
    try {
      rollback(c);
      release(c);
    } catch (SQLException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
      closeQuietly(c, failure);
    }
  }

  private static void backoff(int attempt, String action) throws CatalogException {
    long capMillis = Math.min(200, 2L << Math.min(attempt, 10));
    try {
      TimeUnit.MILLISECONDS.sleep(1 + ThreadLocalRandom.current().nextLong(capMillis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CatalogException("Cannot " + action + ": interrupted while waiting for a lock", e);
    }
  }

  private static String oneLine(String s) {
    return s == null ? "unknown error" : s.replace('\n', ' ').strip();
  }

  private Connection borrow() throws SQLException {
    Connection c = idle.pollFirst();
    return c != null ? c : connect();
  }

  private void release(Connection c) throws SQLException {
    if (closed || idle.size() >= Math.min(MAX_IDLE, maxConnections)) {
      c.close();
    } else {
      idle.addFirst(c);
    }
  }

  private static void closeQuietly(Connection c, Throwable failure) {
    try {
      c.close();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  @Override
  public void close() throws CatalogException {
    closed = true;
    CatalogException failure = null;
    for (Connection c; (c = idle.pollFirst()) != null; ) {
      try {
        c.close();
      } catch (SQLException e) {
        if (failure == null) {
          failure = new CatalogException("Cannot close catalog " + where + ": " + e.getMessage());
        }
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private long now() {
    return clock.millis();
  }

  // ---- commit

  @Override
  public VersionId commit(NewVersion v) throws CatalogException {
    return inTransaction(true, "commit a version of " + v.path(), c -> insertVersion(c, v));
  }

  private VersionId insertVersion(Connection c, NewVersion v)
      throws SQLException, CatalogException {
    long now = now();
    if (v.fence().isPresent()) {
      checkFence(c, v, v.fence().get(), now);
    }
    return insertVersion(c, v, OptionalLong.empty(), now);
  }

  /**
   * Refuses the commit if a sweep the fence does not cover as settled condemned one of the
   * version's chunks, their bases, or its manifest.
   */
  private static void checkFence(Connection c, NewVersion v, SweepFence fence, long now)
      throws SQLException, CatalogException {
    if (now - fence.takenAt().toEpochMilli() > Sweep.TOMBSTONE_RETENTION.toMillis()) {
      throw new CatalogException(
          "Cannot commit a version of "
              + v.path()
              + ": it took longer than "
              + Sweep.TOMBSTONE_RETENTION.toDays()
              + " days to write, so garbage collection may have removed chunks it uses (put it"
              + " again)");
    }
    Set<Digest> needed = new HashSet<>();
    for (ChunkInfo ch : v.chunks()) {
      needed.add(ch.id());
      ch.base().ifPresent(needed::add);
    }
    try (PreparedStatement p =
        c.prepareStatement("SELECT digest, swept_by FROM chunks WHERE swept_by >= ?")) {
      bind(p, fence.lowestConflicting());
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          long sweptBy = rs.getLong(2);
          Digest d = digestAt(rs, 1);
          if (needed.contains(d) && fence.conflictsWith(sweptBy)) {
            throw new SweptObjectException("chunk", d, sweptBy);
          }
        }
      }
    }
    try (PreparedStatement p =
        c.prepareStatement("SELECT swept_by FROM swept_manifests WHERE digest = ?")) {
      bind(p, v.manifest().hex());
      try (ResultSet rs = p.executeQuery()) {
        if (rs.next() && fence.conflictsWith(rs.getLong(1))) {
          throw new SweptObjectException("manifest", v.manifest(), rs.getLong(1));
        }
      }
    }
  }

  /** Inserts a version with the next number, or with {@code fixed} when recovering. */
  private VersionId insertVersion(Connection c, NewVersion v, OptionalLong fixed, long now)
      throws SQLException {
    String path = v.path().toString();
    update(
        c,
        "INSERT INTO model_paths (path, last_number, created_at) VALUES (?, 0, ?)"
            + " ON CONFLICT (path) DO NOTHING",
        path,
        now);
    long number;
    if (fixed.isPresent()) {
      number = fixed.getAsLong();
      update(
          c,
          "UPDATE model_paths SET last_number = ? WHERE path = ? AND last_number < ?",
          number,
          path,
          number);
    } else {
      // The row lock taken here (or the database write lock) serializes writers to this path, so
      // the number read next is ours alone; a counter rather than max(number) never reuses the
      // number of a removed version.
      update(c, "UPDATE model_paths SET last_number = last_number + 1 WHERE path = ?", path);
      number = queryLong(c, "SELECT last_number FROM model_paths WHERE path = ?", path);
    }
    update(
        c,
        "INSERT INTO versions (path, number, created_at, file_sha256, size, stored_bytes_added,"
            + " manifest, format, original_name, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        path,
        number,
        now,
        v.fileSha256().hex(),
        v.size(),
        v.storedBytesAdded(),
        v.manifest().hex(),
        v.format(),
        v.originalFileName().orElse(null),
        v.note().orElse(null));
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO version_params (path, number, name, value) VALUES (?, ?, ?, ?)")) {
      for (Map.Entry<String, String> e : v.params().entrySet()) {
        bind(p, path, number, e.getKey(), e.getValue());
        p.addBatch();
      }
      p.executeBatch();
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO version_metrics (path, number, name, value) VALUES (?, ?, ?, ?)")) {
      for (Map.Entry<String, Double> e : v.metrics().entrySet()) {
        bind(p, path, number, e.getKey(), e.getValue());
        p.addBatch();
      }
      p.executeBatch();
    }
    try (PreparedStatement p =
        c.prepareStatement(
            // A live record keeps its first sizes; a tombstone takes those of the rewritten object.
            "INSERT INTO chunks (digest, encoded_size, raw_size, codec, base_digest, created_at,"
                + " last_referenced_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (digest)"
                + " DO UPDATE SET last_referenced_at = excluded.last_referenced_at,"
                + " encoded_size = CASE WHEN chunks.swept_by IS NULL THEN chunks.encoded_size"
                + " ELSE excluded.encoded_size END,"
                + " raw_size = CASE WHEN chunks.swept_by IS NULL THEN chunks.raw_size"
                + " ELSE excluded.raw_size END,"
                + " codec = CASE WHEN chunks.swept_by IS NULL THEN chunks.codec"
                + " ELSE excluded.codec END,"
                + " base_digest = CASE WHEN chunks.swept_by IS NULL THEN chunks.base_digest"
                + " ELSE excluded.base_digest END,"
                + " created_at = CASE WHEN chunks.swept_by IS NULL THEN chunks.created_at"
                + " ELSE excluded.created_at END,"
                + " swept_by = NULL")) {
      for (ChunkInfo ch : v.chunks()) {
        bind(
            p,
            key(ch.id()),
            ch.encodedSize(),
            ch.rawSize(),
            ch.codec(),
            ch.base().<Object>map(JdbcCatalog::key).orElse(NO_DIGEST),
            now,
            now);
        p.addBatch();
      }
      p.executeBatch();
    }
    try (PreparedStatement p =
        c.prepareStatement("INSERT INTO version_chunks (path, number, digest) VALUES (?, ?, ?)")) {
      for (ChunkInfo ch : v.chunks()) {
        bind(p, path, number, key(ch.id()));
        p.addBatch();
      }
      p.executeBatch();
    }
    update(c, "DELETE FROM swept_manifests WHERE digest = ?", v.manifest().hex());
    return new VersionId(v.path(), number);
  }

  // ---- reads

  @Override
  public Optional<VersionInfo> resolve(Ref ref) throws CatalogException {
    String path = ref.path().toString();
    return inTransaction(
        false,
        "resolve " + ref,
        c -> {
          List<VersionInfo> found;
          if (ref.selector() instanceof Ref.Number n) {
            found =
                versions(
                    c,
                    "SELECT "
                        + VERSION_COLUMNS
                        + " FROM versions v WHERE v.path = ? AND v.number = ?",
                    path,
                    n.number());
          } else if (ref.selector() instanceof Ref.Best b) {
            found =
                versions(
                    c,
                    "SELECT "
                        + VERSION_COLUMNS
                        + " FROM versions v JOIN version_metrics m ON m.path = v.path AND m.number"
                        + " = v.number WHERE v.path = ? AND m.name = ? ORDER BY m.value "
                        + (b.highest() ? "DESC" : "ASC")
                        + ", v.number DESC LIMIT 1",
                    path,
                    b.metric());
          } else if (ref.selector() instanceof Ref.Alias a) {
            found =
                versions(
                    c,
                    "SELECT "
                        + VERSION_COLUMNS
                        + " FROM versions v JOIN aliases a ON a.path = v.path AND a.number ="
                        + " v.number WHERE a.path = ? AND a.name = ?",
                    path,
                    a.name().value());
          } else {
            found =
                versions(
                    c,
                    "SELECT "
                        + VERSION_COLUMNS
                        + " FROM versions v WHERE v.path = ? AND v.number = (SELECT MAX(m.number)"
                        + " FROM versions m WHERE m.path = ?)",
                    path,
                    path);
          }
          return found.stream().findFirst();
        });
  }

  @Override
  public List<VersionInfo> log(ModelPath path) throws CatalogException {
    return inTransaction(
        false,
        "list versions of " + path,
        c ->
            versions(
                c,
                "SELECT "
                    + VERSION_COLUMNS
                    + " FROM versions v WHERE v.path = ? ORDER BY v.number DESC",
                path.toString()));
  }

  /** Runs a query for version rows of one path and attaches their metadata and aliases. */
  private static List<VersionInfo> versions(Connection c, String sql, Object... args)
      throws SQLException {
    List<Object[]> rows = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement(sql)) {
      bind(p, args);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          Object[] row = new Object[10];
          for (int i = 0; i < row.length; i++) {
            row[i] = rs.getObject(i + 1);
          }
          rows.add(row);
        }
      }
    }
    if (rows.isEmpty()) {
      return List.of();
    }
    String path = (String) rows.get(0)[0];
    Map<Long, Map<String, String>> params = new HashMap<>();
    Map<Long, Map<String, Double>> metrics = new HashMap<>();
    Map<Long, List<AliasName>> aliases = new HashMap<>();
    Long only = rows.size() == 1 ? ((Number) rows.get(0)[1]).longValue() : null;
    String filter = only == null ? "" : " AND number = ?";
    Object[] filterArgs = only == null ? new Object[] {path} : new Object[] {path, only};
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT number, name, value FROM version_params WHERE path = ?" + filter)) {
      bind(p, filterArgs);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          params
              .computeIfAbsent(rs.getLong(1), k -> new TreeMap<>())
              .put(rs.getString(2), rs.getString(3));
        }
      }
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT number, name, value FROM version_metrics WHERE path = ?" + filter)) {
      bind(p, filterArgs);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          metrics
              .computeIfAbsent(rs.getLong(1), k -> new TreeMap<>())
              .put(rs.getString(2), rs.getDouble(3));
        }
      }
    }
    try (PreparedStatement p =
        c.prepareStatement("SELECT number, name FROM aliases WHERE path = ?" + filter)) {
      bind(p, filterArgs);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          aliases
              .computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
              .add(new AliasName(rs.getString(2)));
        }
      }
    }
    List<VersionInfo> out = new ArrayList<>(rows.size());
    for (Object[] r : rows) {
      long number = ((Number) r[1]).longValue();
      List<AliasName> a = new ArrayList<>(aliases.getOrDefault(number, List.of()));
      a.sort(Comparator.naturalOrder());
      out.add(
          new VersionInfo(
              new VersionId(ModelPath.parse((String) r[0]), number),
              Instant.ofEpochMilli(((Number) r[2]).longValue()),
              Digest.parse((String) r[3]),
              ((Number) r[4]).longValue(),
              ((Number) r[5]).longValue(),
              Digest.parse((String) r[6]),
              (String) r[7],
              Optional.ofNullable((String) r[8]),
              Optional.ofNullable((String) r[9]),
              params.getOrDefault(number, Map.of()),
              metrics.getOrDefault(number, Map.of()),
              a));
    }
    return out;
  }

  @Override
  public List<PathSummary> listPaths() throws CatalogException {
    return listPaths(Optional.empty());
  }

  @Override
  public List<PathSummary> listPaths(ModelPath prefix) throws CatalogException {
    return listPaths(Optional.of(prefix));
  }

  private List<PathSummary> listPaths(Optional<ModelPath> prefix) throws CatalogException {
    Filter f = Filter.of("v.path", prefix);
    return inTransaction(
        false,
        "list model paths",
        c -> {
          List<PathSummary> out = new ArrayList<>();
          try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT v.path, (SELECT COUNT(*) FROM versions n WHERE n.path = v.path),"
                      + " v.number, v.created_at, v.size FROM versions v"
                      + " WHERE v.number = (SELECT MAX(m.number) FROM versions m WHERE m.path ="
                      + " v.path)"
                      + f.sql)) {
            bind(p, f.args);
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                out.add(
                    new PathSummary(
                        ModelPath.parse(rs.getString(1)),
                        rs.getLong(2),
                        rs.getLong(3),
                        Instant.ofEpochMilli(rs.getLong(4)),
                        rs.getLong(5)));
              }
            }
          }
          out.sort(Comparator.comparing(PathSummary::path));
          return out;
        });
  }

  @Override
  public CatalogStats stats() throws CatalogException {
    return stats(Optional.empty());
  }

  @Override
  public CatalogStats stats(ModelPath prefix) throws CatalogException {
    return stats(Optional.of(prefix));
  }

  private CatalogStats stats(Optional<ModelPath> prefix) throws CatalogException {
    Filter versions = Filter.of("path", prefix);
    Filter refs = Filter.of("vc.path", prefix);
    return inTransaction(
        false,
        "compute statistics",
        c -> {
          long[] v =
              queryRow(
                  c,
                  3,
                  "SELECT COUNT(DISTINCT path), COUNT(*), COALESCE(SUM(size), 0) FROM versions"
                      + " WHERE 1 = 1"
                      + versions.sql,
                  versions.args);
          long[] ch =
              queryRow(
                  c,
                  3,
                  "SELECT COUNT(*), COALESCE(SUM(raw_size), 0), COALESCE(SUM(encoded_size), 0)"
                      + " FROM chunks WHERE digest IN (SELECT vc.digest FROM version_chunks vc"
                      + " WHERE 1 = 1"
                      + refs.sql
                      + ")",
                  refs.args);
          return new CatalogStats(v[0], v[1], v[2], ch[1], ch[2], ch[0]);
        });
  }

  /** A condition restricting a path column to a prefix and the paths below it. */
  private static final class Filter {
    final String sql;
    final Object[] args;

    private Filter(String sql, Object[] args) {
      this.sql = sql;
      this.args = args;
    }

    // SUBSTR and = are case-sensitive and portable, unlike LIKE (case-insensitive in SQLite).
    static Filter of(String column, Optional<ModelPath> prefix) {
      if (prefix.isEmpty()) {
        return new Filter("", new Object[0]);
      }
      String p = prefix.get().toString();
      String below = p + "/";
      return new Filter(
          " AND (" + column + " = ? OR SUBSTR(" + column + ", 1, ?) = ?)",
          new Object[] {p, below.length(), below});
    }
  }

  // ---- aliases

  @Override
  public TagResult tag(VersionId target, AliasName alias) throws CatalogException {
    return inTransaction(
        true,
        "tag " + target + " as " + alias,
        c -> {
          if (!versionExists(c, target)) {
            return TagResult.NO_SUCH_VERSION;
          }
          OptionalLong current = aliasTarget(c, target.path(), alias);
          if (current.isPresent() && current.getAsLong() == target.number()) {
            return TagResult.UNCHANGED;
          }
          update(
              c,
              "INSERT INTO aliases (path, name, number, updated_at) VALUES (?, ?, ?, ?)"
                  + " ON CONFLICT (path, name) DO UPDATE SET number = excluded.number,"
                  + " updated_at = excluded.updated_at",
              target.path().toString(),
              alias.value(),
              target.number(),
              now());
          return current.isPresent() ? TagResult.MOVED : TagResult.CREATED;
        });
  }

  @Override
  public TagResult tag(VersionId target, AliasName alias, OptionalLong expected)
      throws CatalogException {
    String path = target.path().toString();
    return inTransaction(
        true,
        "tag " + target + " as " + alias,
        c -> {
          if (!versionExists(c, target)) {
            return TagResult.NO_SUCH_VERSION;
          }
          // Conditional statements rather than read-then-write, so the check and the change are
          // one step even where the transaction does not lock the whole database.
          if (expected.isEmpty()) {
            int n =
                update(
                    c,
                    "INSERT INTO aliases (path, name, number, updated_at) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT (path, name) DO NOTHING",
                    path,
                    alias.value(),
                    target.number(),
                    now());
            return n == 1 ? TagResult.CREATED : TagResult.CONFLICT;
          }
          if (expected.getAsLong() == target.number()) {
            OptionalLong current = aliasTarget(c, target.path(), alias);
            return current.equals(expected) ? TagResult.UNCHANGED : TagResult.CONFLICT;
          }
          int n =
              update(
                  c,
                  "UPDATE aliases SET number = ?, updated_at = ? WHERE path = ? AND name = ? AND"
                      + " number = ?",
                  target.number(),
                  now(),
                  path,
                  alias.value(),
                  expected.getAsLong());
          return n == 1 ? TagResult.MOVED : TagResult.CONFLICT;
        });
  }

  @Override
  public boolean untag(ModelPath path, AliasName alias) throws CatalogException {
    return inTransaction(
        true,
        "remove alias " + alias + " of " + path,
        c ->
            update(
                    c,
                    "DELETE FROM aliases WHERE path = ? AND name = ?",
                    path.toString(),
                    alias.value())
                == 1);
  }

  private static boolean versionExists(Connection c, VersionId id) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("SELECT 1 FROM versions WHERE path = ? AND number = ?")) {
      bind(p, id.path().toString(), id.number());
      try (ResultSet rs = p.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static OptionalLong aliasTarget(Connection c, ModelPath path, AliasName alias)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("SELECT number FROM aliases WHERE path = ? AND name = ?")) {
      bind(p, path.toString(), alias.value());
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    }
  }

  // ---- removal

  @Override
  public RemoveResult removeVersion(VersionId id, boolean dropAliases) throws CatalogException {
    String path = id.path().toString();
    long number = id.number();
    return inTransaction(
        true,
        "remove " + id,
        c -> {
          if (!versionExists(c, id)) {
            return RemoveResult.NO_SUCH_VERSION;
          }
          long aliased =
              queryLong(
                  c, "SELECT COUNT(*) FROM aliases WHERE path = ? AND number = ?", path, number);
          if (aliased > 0 && !dropAliases) {
            return RemoveResult.ALIASED;
          }
          update(c, "DELETE FROM aliases WHERE path = ? AND number = ?", path, number);
          update(
              c,
              "UPDATE chunks SET last_referenced_at = ? WHERE digest IN (SELECT vc.digest FROM"
                  + " version_chunks vc WHERE vc.path = ? AND vc.number = ?)",
              now(),
              path,
              number);
          update(c, "DELETE FROM version_chunks WHERE path = ? AND number = ?", path, number);
          update(c, "DELETE FROM version_params WHERE path = ? AND number = ?", path, number);
          update(c, "DELETE FROM version_metrics WHERE path = ? AND number = ?", path, number);
          update(c, "DELETE FROM versions WHERE path = ? AND number = ?", path, number);
          return RemoveResult.REMOVED;
        });
  }

  // ---- chunks

  @Override
  public boolean hasChunk(Digest id) throws CatalogException {
    return chunkInfo(id).isPresent();
  }

  @Override
  public Optional<ChunkRecord> chunkInfo(Digest id) throws CatalogException {
    return inTransaction(
        false,
        "look up chunk " + id,
        c -> {
          try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT encoded_size, raw_size, codec, base_digest, created_at,"
                      + " last_referenced_at FROM chunks WHERE digest = ? AND swept_by IS NULL")) {
            bind(p, key(id));
            try (ResultSet rs = p.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              Optional<Digest> base = optionalDigestAt(rs, 4);
              return Optional.of(
                  new ChunkRecord(
                      new ChunkInfo(id, rs.getLong(1), rs.getLong(2), rs.getInt(3), base),
                      Instant.ofEpochMilli(rs.getLong(5)),
                      Instant.ofEpochMilli(rs.getLong(6))));
            }
          }
        });
  }

  // ---- lifecycle queries

  private static final int BATCH = 500;

  private static final String CHUNK_COLUMNS =
      "c.digest, c.encoded_size, c.raw_size, c.codec, c.base_digest";

  private static ChunkInfo chunkInfoOf(ResultSet rs) throws SQLException {
    return new ChunkInfo(
        digestAt(rs, 1), rs.getLong(2), rs.getLong(3), rs.getInt(4), optionalDigestAt(rs, 5));
  }

  private static List<ChunkInfo> chunkInfos(Connection c, String sql, Object... args)
      throws SQLException {
    List<ChunkInfo> out = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement(sql)) {
      bind(p, args);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(chunkInfoOf(rs));
        }
      }
    }
    return out;
  }

  @Override
  public List<ChunkInfo> versionChunks(VersionId id) throws CatalogException {
    return inTransaction(
        false,
        "list the chunks of " + id,
        c ->
            chunkInfos(
                c,
                "SELECT "
                    + CHUNK_COLUMNS
                    + " FROM version_chunks vc JOIN chunks c ON c.digest = vc.digest"
                    + " WHERE vc.path = ? AND vc.number = ?",
                id.path().toString(),
                id.number()));
  }

  /** Runs {@code sql + "?, ?, …" + suffix} for batches of ids, handing every row to the sink. */
  private static void inBatches(
      Connection c, String sql, String suffix, Collection<Digest> ids, RowSink sink)
      throws SQLException {
    List<Digest> all = new ArrayList<>(new LinkedHashSet<>(ids));
    for (int from = 0; from < all.size(); from += BATCH) {
      List<Digest> part = all.subList(from, Math.min(all.size(), from + BATCH));
      StringBuilder q = new StringBuilder(sql);
      for (int i = 0; i < part.size(); i++) {
        q.append(i == 0 ? "?" : ", ?");
      }
      q.append(suffix);
      Object[] args = new Object[part.size()];
      for (int i = 0; i < part.size(); i++) {
        args[i] = key(part.get(i));
      }
      try (PreparedStatement p = c.prepareStatement(q.toString())) {
        bind(p, args);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            sink.accept(rs);
          }
        }
      }
    }
  }

  @FunctionalInterface
  private interface RowSink {
    void accept(ResultSet rs) throws SQLException;
  }

  @Override
  public Map<Digest, Long> referenceCounts(Collection<Digest> ids) throws CatalogException {
    if (ids.isEmpty()) {
      return Map.of();
    }
    return inTransaction(
        false,
        "count chunk references",
        c -> {
          Map<Digest, Long> out = new HashMap<>();
          inBatches(
              c,
              "SELECT digest, COUNT(*) FROM version_chunks WHERE digest IN (",
              ") GROUP BY digest",
              ids,
              rs -> out.put(digestAt(rs, 1), rs.getLong(2)));
          return out;
        });
  }

  @Override
  public Map<Digest, ChunkInfo> liveChunkInfos(Collection<Digest> ids) throws CatalogException {
    if (ids.isEmpty()) {
      return Map.of();
    }
    return inTransaction(
        false,
        "look up chunks",
        c -> {
          Map<Digest, ChunkInfo> out = new HashMap<>();
          inBatches(
              c,
              "SELECT "
                  + CHUNK_COLUMNS
                  + " FROM chunks c WHERE c.swept_by IS NULL AND c.digest IN (",
              ")",
              ids,
              rs -> {
                ChunkInfo info = chunkInfoOf(rs);
                out.put(info.id(), info);
              });
          return out;
        });
  }

  @Override
  public List<ChunkRecord> unreferencedChunks() throws CatalogException {
    return inTransaction(
        false,
        "list unreferenced chunks",
        c -> {
          List<ChunkRecord> out = new ArrayList<>();
          try (PreparedStatement p =
                  c.prepareStatement(
                      "SELECT "
                          + CHUNK_COLUMNS
                          + ", c.created_at, c.last_referenced_at FROM chunks c WHERE c.swept_by IS"
                          + " NULL AND NOT EXISTS (SELECT 1 FROM version_chunks vc WHERE vc.digest ="
                          + " c.digest)");
              ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              out.add(
                  new ChunkRecord(
                      chunkInfoOf(rs),
                      Instant.ofEpochMilli(rs.getLong(6)),
                      Instant.ofEpochMilli(rs.getLong(7))));
            }
          }
          return out;
        });
  }

  @Override
  public List<ChunkInfo> deltaChunks() throws CatalogException {
    return inTransaction(
        false,
        "list delta chunks",
        c ->
            chunkInfos(
                c,
                "SELECT "
                    + CHUNK_COLUMNS
                    + " FROM chunks c WHERE c.swept_by IS NULL AND c.base_digest IS NOT NULL"));
  }

  @Override
  public Set<Digest> referencedManifests() throws CatalogException {
    return inTransaction(
        false,
        "list manifests",
        c -> {
          Set<Digest> out = new HashSet<>();
          try (PreparedStatement p = c.prepareStatement("SELECT DISTINCT manifest FROM versions");
              ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              out.add(Digest.parse(rs.getString(1)));
            }
          }
          return out;
        });
  }

  @Override
  public List<VersionInfo> versionsByMetric(
      Optional<ModelPath> prefix, String metric, boolean descending, int limit)
      throws CatalogException {
    if (limit < 0) {
      throw new IllegalArgumentException("limit " + limit + " < 0");
    }
    Filter f = Filter.of("v.path", prefix);
    return inTransaction(
        false,
        "rank versions by " + metric,
        c -> {
          List<Object[]> ids = new ArrayList<>();
          Object[] args = new Object[f.args.length + 2];
          args[0] = metric;
          System.arraycopy(f.args, 0, args, 1, f.args.length);
          args[args.length - 1] = (long) limit;
          try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT v.path, v.number FROM versions v JOIN version_metrics m ON m.path ="
                      + " v.path AND m.number = v.number WHERE m.name = ?"
                      + f.sql
                      + " ORDER BY m.value "
                      + (descending ? "DESC" : "ASC")
                      + ", v.created_at DESC, "
                      + bytewise("v.path")
                      + ", v.number DESC LIMIT ?")) {
            bind(p, args);
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                ids.add(new Object[] {rs.getString(1), rs.getLong(2)});
              }
            }
          }
          List<VersionInfo> out = new ArrayList<>();
          for (Object[] id : ids) {
            out.addAll(
                versions(
                    c,
                    "SELECT "
                        + VERSION_COLUMNS
                        + " FROM versions v WHERE v.path = ? AND v.number = ?",
                    id[0],
                    id[1]));
          }
          return out;
        });
  }

  // ---- sweeps

  @Override
  public SweepFence sweepFence() throws CatalogException {
    return inTransaction(
        false,
        "read the garbage-collection state",
        c -> {
          long now = now();
          long generation = queryLong(c, "SELECT COALESCE(MAX(generation), 0) FROM gc_sweeps");
          Set<Long> open = new HashSet<>();
          try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT generation FROM gc_sweeps WHERE finished_at IS NULL AND heartbeat_at"
                      + " >= ?")) {
            bind(p, now - Sweep.LEASE.toMillis());
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                open.add(rs.getLong(1));
              }
            }
          }
          return new SweepFence(generation, open, Instant.ofEpochMilli(now));
        });
  }

  @Override
  public Sweep beginSweep(SweepRequest r) throws CatalogException {
    return inTransaction(true, "begin a garbage-collection sweep", c -> condemn(c, r));
  }

  private Sweep condemn(Connection c, SweepRequest r) throws SQLException {
    long now = now();
    long g = queryLong(c, "SELECT COALESCE(MAX(generation), 0) + 1 FROM gc_sweeps");
    update(
        c,
        "INSERT INTO gc_sweeps (generation, started_at, heartbeat_at, finished_at)"
            + " VALUES (?, ?, ?, NULL)",
        g,
        now,
        now);
    String settledLongAgo =
        "SELECT generation FROM gc_sweeps WHERE COALESCE(finished_at, heartbeat_at) < ?";
    long forgetBefore = now - Sweep.TOMBSTONE_RETENTION.toMillis();
    update(c, "DELETE FROM chunks WHERE swept_by IN (" + settledLongAgo + ")", forgetBefore);
    update(
        c, "DELETE FROM swept_manifests WHERE swept_by IN (" + settledLongAgo + ")", forgetBefore);

    Set<Digest> condemned = new LinkedHashSet<>();
    long cutoff = r.cutoff().toEpochMilli();
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT c.last_referenced_at FROM chunks c WHERE c.digest = ? AND c.swept_by IS NULL"
                + " AND NOT EXISTS (SELECT 1 FROM version_chunks vc WHERE vc.digest = c.digest)")) {
      for (Digest d : r.chunks()) {
        bind(p, key(d));
        try (ResultSet rs = p.executeQuery()) {
          if (rs.next() && (r.released().contains(d) || rs.getLong(1) < cutoff)) {
            condemned.add(d);
          }
        }
      }
    }
    Set<Digest> orphansWithoutRow = new HashSet<>();
    try (PreparedStatement p = c.prepareStatement("SELECT swept_by FROM chunks WHERE digest = ?")) {
      for (Digest d : r.orphanChunks()) {
        bind(p, key(d));
        try (ResultSet rs = p.executeQuery()) {
          if (!rs.next()) {
            orphansWithoutRow.add(d);
            condemned.add(d);
          } else {
            rs.getLong(1);
            if (!rs.wasNull()) {
              condemned.add(d);
            }
          }
        }
      }
    }
    // A delta's base stays while any delta on it stays; repeat in case bases ever get bases.
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT digest FROM chunks WHERE base_digest = ? AND swept_by IS NULL")) {
      boolean changed = true;
      while (changed) {
        changed = false;
        for (Digest d : new ArrayList<>(condemned)) {
          bind(p, key(d));
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              if (!condemned.contains(digestAt(rs, 1))) {
                condemned.remove(d);
                changed = true;
                break;
              }
            }
          }
        }
      }
    }
    try (PreparedStatement tomb =
            c.prepareStatement("UPDATE chunks SET swept_by = ? WHERE digest = ?");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO chunks (digest, encoded_size, raw_size, codec, base_digest,"
                    + " created_at, last_referenced_at, swept_by) VALUES (?, 0, 0, 0, NULL, ?, ?,"
                    + " ?)")) {
      for (Digest d : condemned) {
        if (orphansWithoutRow.contains(d)) {
          bind(insert, key(d), now, now, g);
          insert.addBatch();
        } else {
          bind(tomb, g, key(d));
          tomb.addBatch();
        }
      }
      tomb.executeBatch();
      insert.executeBatch();
    }
    List<Digest> manifests = new ArrayList<>();
    try (PreparedStatement used = c.prepareStatement("SELECT 1 FROM versions WHERE manifest = ?");
        PreparedStatement tomb =
            c.prepareStatement(
                "INSERT INTO swept_manifests (digest, swept_by) VALUES (?, ?)"
                    + " ON CONFLICT (digest) DO UPDATE SET swept_by = excluded.swept_by")) {
      for (Digest m : new LinkedHashSet<>(r.manifests())) {
        bind(used, m.hex());
        try (ResultSet rs = used.executeQuery()) {
          if (rs.next()) {
            continue;
          }
        }
        bind(tomb, m.hex(), g);
        tomb.executeUpdate();
        manifests.add(m);
      }
    }
    return new Sweep(g, new ArrayList<>(condemned), manifests);
  }

  @Override
  public boolean renewSweep(long generation) throws CatalogException {
    return inTransaction(
        true,
        "renew garbage-collection sweep " + generation,
        c -> {
          long now = now();
          return update(
                  c,
                  "UPDATE gc_sweeps SET heartbeat_at = ? WHERE generation = ? AND finished_at IS"
                      + " NULL AND heartbeat_at >= ?",
                  now,
                  generation,
                  now - Sweep.LEASE.toMillis())
              == 1;
        });
  }

  @Override
  public void finishSweep(long generation) throws CatalogException {
    inTransaction(
        true,
        "finish garbage-collection sweep " + generation,
        c ->
            update(
                c,
                "UPDATE gc_sweeps SET finished_at = ? WHERE generation = ? AND finished_at IS NULL",
                now(),
                generation));
  }

  // ---- recovery

  @Override
  public void recoverVersion(NewVersion v, long number, Instant createdAt) throws CatalogException {
    VersionId id = new VersionId(v.path(), number);
    inTransaction(
        true,
        "recover " + id,
        c -> {
          if (versionExists(c, id)) {
            throw new CatalogException("Cannot recover " + id + ": the catalog already has it");
          }
          return insertVersion(c, v, OptionalLong.of(number), createdAt.toEpochMilli());
        });
  }

  @Override
  public void reserveNumbers(ModelPath path, long number) throws CatalogException {
    inTransaction(
        true,
        "reserve version numbers of " + path,
        c -> {
          update(
              c,
              "INSERT INTO model_paths (path, last_number, created_at) VALUES (?, 0, ?)"
                  + " ON CONFLICT (path) DO NOTHING",
              path.toString(),
              now());
          return update(
              c,
              "UPDATE model_paths SET last_number = ? WHERE path = ? AND last_number < ?",
              number,
              path.toString(),
              number);
        });
  }

  @Override
  public Map<ModelPath, Long> versionCounters() throws CatalogException {
    return inTransaction(
        false,
        "read the version counters",
        c -> {
          Map<ModelPath, Long> out = new TreeMap<>();
          try (PreparedStatement p =
                  c.prepareStatement(
                      "SELECT path, last_number FROM model_paths WHERE last_number > 0");
              ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              out.put(ModelPath.parse(rs.getString(1)), rs.getLong(2));
            }
          }
          return out;
        });
  }

  // ---- store identity

  @Override
  public Optional<String> storeIdentity() throws CatalogException {
    return inTransaction(false, "read the store identity", JdbcCatalog::identity);
  }

  @Override
  public String recordStoreIdentity(String proposed) throws CatalogException {
    return inTransaction(
        true,
        "record the store identity",
        c -> {
          Optional<String> recorded = identity(c);
          if (recorded.isPresent()) {
            return recorded.get();
          }
          update(c, "INSERT INTO store_identity (id, recorded_at) VALUES (?, ?)", proposed, now());
          return proposed;
        });
  }

  private static Optional<String> identity(Connection c) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("SELECT id FROM store_identity");
        ResultSet rs = p.executeQuery()) {
      return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
    }
  }

  // ---- JDBC helpers

  /** Binds SQL NULL to a digest column (a text NULL is refused there by PostgreSQL). */
  private static final Object NO_DIGEST = new Object();

  /**
   * How a chunk digest is kept: its 32 bytes (schema 3 on), half the size of hex text in rows and
   * indexes. Manifest and file digests stay hex text, one per version.
   */
  private static byte[] key(Digest d) {
    return d.toBytes();
  }

  private static Digest digestAt(ResultSet rs, int column) throws SQLException {
    return Digest.fromBytes(rs.getBytes(column));
  }

  private static Optional<Digest> optionalDigestAt(ResultSet rs, int column) throws SQLException {
    byte[] b = rs.getBytes(column);
    return b == null ? Optional.empty() : Optional.of(Digest.fromBytes(b));
  }

  private static void bind(PreparedStatement p, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a == null) {
        p.setNull(i + 1, Types.VARCHAR);
      } else if (a == NO_DIGEST) {
        p.setNull(i + 1, Types.BINARY);
      } else if (a instanceof String s) {
        p.setString(i + 1, s);
      } else if (a instanceof byte[] b) {
        p.setBytes(i + 1, b);
      } else if (a instanceof Long l) {
        p.setLong(i + 1, l);
      } else if (a instanceof Integer n) {
        p.setInt(i + 1, n);
      } else if (a instanceof Double d) {
        p.setDouble(i + 1, d);
      } else {
        throw new IllegalArgumentException("Cannot bind " + a.getClass());
      }
    }
  }

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      bind(p, args);
      return p.executeUpdate();
    }
  }

  private static long queryLong(Connection c, String sql, Object... args) throws SQLException {
    return queryRow(c, 1, sql, args)[0];
  }

  private static long[] queryRow(Connection c, int columns, String sql, Object... args)
      throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      bind(p, args);
      try (ResultSet rs = p.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("No row from: " + sql);
        }
        long[] out = new long[columns];
        for (int i = 0; i < columns; i++) {
          out[i] = rs.getLong(i + 1);
        }
        return out;
      }
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + where + "]";
  }
}
