package io.modelstash.store.catalog.jdbc;

import io.modelstash.store.catalog.CatalogException;
import io.modelstash.store.catalog.Notices;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Brings a catalog's schema up to {@link #LATEST}, inside the caller's write transaction.
 *
 * <p>The caller must hold whatever lock keeps two openers from migrating at once (SQLite's write
 * lock; an advisory lock in PostgreSQL, where {@code CREATE TABLE IF NOT EXISTS} alone races).
 *
 * <p>The version lives in the one-row table {@code schema_version}. Script {@code schema-v<N>.sql}
 * upgrades version N−1 to N, or {@code schema-v<N>-<dialect>.sql} where the databases need
 * different statements; an empty database is version 0. A database at a version newer than {@link
 * #LATEST} is refused, since this code cannot know what changed.
 */
public final class SchemaMigrator {

  /** The schema version this code creates and understands. */
  public static final int LATEST = 4;

  private SchemaMigrator() {}

  /**
   * Migrates the database on {@code c}; the caller runs this in a write transaction.
   *
   * @param where the catalog's location, for messages
   * @param dialect the database's scripts where they differ: {@code sqlite} or {@code postgres}
   * @return the version found before migrating (0 for a new catalog)
   * @throws CatalogException if the schema is newer than {@link #LATEST} or malformed
   */
  public static int migrate(Connection c, String where, String dialect)
      throws SQLException, CatalogException {
    // Checked first so that opening an up-to-date catalog runs no DDL at all: a user allowed only
    // to read and write the tables can open it.
    if (!hasTable(c, "schema_version")) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE schema_version (version BIGINT NOT NULL)");
      }
    }
    List<Long> rows = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version FROM schema_version")) {
      while (rs.next()) {
        rows.add(rs.getLong(1));
      }
    }
    if (rows.size() > 1) {
      throw new CatalogException(
          "Cannot open catalog "
              + where
              + ": table schema_version has "
              + rows.size()
              + " rows, expected 1 (the catalog is damaged; rebuild it from the manifests)");
    }
    long found = rows.isEmpty() ? 0 : rows.get(0);
    if (found > LATEST) {
      throw new CatalogException(
          "Cannot open catalog "
              + where
              + ": it was created by a newer modelstash (schema "
              + found
              + " > "
              + LATEST
              + "); upgrade modelstash");
    }
    if (found < 0) {
      throw new CatalogException(
          "Cannot open catalog " + where + ": schema version " + found + " is invalid");
    }
    if (found > 0 && found < LATEST) {
      Notices.say(
          "upgrading catalog "
              + where
              + " from schema "
              + found
              + " to "
              + LATEST
              + ", once; this takes about 15 s per million chunks");
    }
    for (int v = (int) found + 1; v <= LATEST; v++) {
      try (Statement s = c.createStatement()) {
        for (String sql : statements(v, dialect)) {
          s.execute(sql);
        }
      }
    }
    if (found != LATEST) {
      String sql =
          rows.isEmpty()
              ? "INSERT INTO schema_version (version) VALUES (?)"
              : "UPDATE schema_version SET version = ?";
      try (PreparedStatement p = c.prepareStatement(sql)) {
        p.setLong(1, LATEST);
        p.executeUpdate();
      }
    }
    return (int) found;
  }

  /**
   * Refuses to write to a catalog whose schema changed since it was opened: a newer modelstash
   * upgraded it meanwhile (in a team, one node upgraded before the others), and this code's
   * statements no longer fit its tables. One small query per write transaction.
   */
  static void requireLatest(Connection c, String failure) throws SQLException, CatalogException {
    long found;
    try (PreparedStatement p = c.prepareStatement("SELECT version FROM schema_version");
        ResultSet rs = p.executeQuery()) {
      found = rs.next() ? rs.getLong(1) : -1;
    }
    if (found != LATEST) {
      throw new CatalogException(
          failure
              + ": its schema changed to version "
              + found
              + " while this modelstash (schema "
              + LATEST
              + ") had it open, so a newer modelstash upgraded it; nothing was written"
              + " (upgrade modelstash here too)");
    }
  }

  /** Whether the schema the connection works in has table {@code name}. */
  private static boolean hasTable(Connection c, String name) throws SQLException {
    try (ResultSet rs =
        c.getMetaData().getTables(null, c.getSchema(), name, new String[] {"TABLE"})) {
      while (rs.next()) {
        // The name is a pattern, in which '_' matches any character.
        if (name.equalsIgnoreCase(rs.getString("TABLE_NAME"))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The statements of script {@code schema-v<version>-<dialect>.sql}, or of {@code
   * schema-v<version>.sql} when there is none for the dialect, without comments.
   */
  static List<String> statements(int version, String dialect) {
    String name = "schema-v" + version + "-" + dialect + ".sql";
    String text;
    InputStream found = SchemaMigrator.class.getResourceAsStream(name);
    if (found == null) {
      name = "schema-v" + version + ".sql";
      found = SchemaMigrator.class.getResourceAsStream(name);
    }
    try (InputStream in = found) {
      if (in == null) {
        throw new IllegalStateException("Missing resource " + name + " (a broken build)");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder sql = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (!line.strip().startsWith("--")) {
        sql.append(line).append('\n');
      }
    }
    List<String> out = new ArrayList<>();
    for (String stmt : sql.toString().split(";")) {
      if (!stmt.isBlank()) {
        out.add(stmt.strip());
      }
    }
    return out;
  }
}
