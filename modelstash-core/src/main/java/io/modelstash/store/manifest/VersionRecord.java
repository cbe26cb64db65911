package io.modelstash.store.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.VersionId;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/**
 * The blob-store record of a catalog event that a manifest cannot carry: which number a committed
 * version got ({@code committed}), or that a version was removed ({@code removed}). A manifest is
 * written before its commit allocates the number, so these records, written after the commit or the
 * removal, are what lets a lost catalog be rebuilt with the same numbers.
 *
 * <p>Encoding: {@code "MSVR"}, a format version byte (1), a u32 little-endian length, that many
 * bytes of UTF-8 JSON {@code {"event", "path", "number", "manifest", "at"}}, and a CRC-32C
 * (little-endian) of everything before it. Stored under {@link
 * io.modelstash.store.blob.BlobKind#RECORD}, named by the SHA-256 of the encoding.
 *
 * @param event what happened
 * @param version the version it happened to
 * @param manifest the version's manifest
 * @param at when: the commit time of a committed version, the removal time of a removed one
 */
public record VersionRecord(Event event, VersionId version, Digest manifest, Instant at) {

  /** What a record says happened. */
  public enum Event {
    /** The version was committed with this number. */
    COMMITTED,
    /** The version was removed. */
    REMOVED
  }

  static final byte[] MAGIC = {'M', 'S', 'V', 'R'};

  /** The format version this code writes and the newest it reads. */
  public static final int FORMAT = 1;

  private static final int MAX_JSON = 64 << 10;

  /** Checks for nulls. */
  public VersionRecord {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(at, "at");
  }

  /** The encoded record. */
  public byte[] encode() {
    ObjectNode root = JsonTrees.object();
    root.put("event", event == Event.COMMITTED ? "committed" : "removed");
    root.put("path", version.path().toString());
    root.put("number", version.number());
    root.put("manifest", manifest.hex());
    root.put("at", at.toString());
    byte[] json = JsonTrees.write(root);
    return JsonEnvelope.wrap(MAGIC, FORMAT, json);
  }

  /** The record's name in the blob store: the SHA-256 of its encoding. */
  public Digest id() {
    return Digest.of(encode());
  }

  /**
   * Decodes a record, checking magic, version, length and checksum.
   *
   * @param name the record's name, for messages
   */
  public static VersionRecord decode(byte[] data, Digest name) throws CorruptObjectException {
    String what = "Version record " + name.hex();
    byte[] json = JsonEnvelope.unwrap(data, MAGIC, FORMAT, MAX_JSON, what, "record format");
    try {
      JsonNode root = JsonTrees.read(json);
      String event = root.required("event").asText();
      Event e;
      if (event.equals("committed")) {
        e = Event.COMMITTED;
      } else if (event.equals("removed")) {
        e = Event.REMOVED;
      } else {
        throw new IllegalArgumentException("unknown event '" + event + "'");
      }
      return new VersionRecord(
          e,
          new VersionId(
              ModelPath.parse(root.required("path").asText()), root.required("number").asLong()),
          Digest.parse(root.required("manifest").asText()),
          Instant.parse(root.required("at").asText()));
    } catch (IOException | RuntimeException e) {
      throw new CorruptObjectException(what + " is corrupt: " + e.getMessage());
    }
  }
}
