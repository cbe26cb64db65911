package io.modelstash.store.catalog;

import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.VersionId;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A committed version.
 *
 * @param id its path and number
 * @param createdAt when it was committed (millisecond precision)
 * @param fileSha256 the SHA-256 of the saved file
 * @param size the length of the saved file
 * @param storedBytesAdded how many bytes the save added to the store
 * @param manifest the manifest that rebuilds the file
 * @param format the file format
 * @param originalFileName the file name it was saved from, if known
 * @param note its note, if any
 * @param params parameters, sorted by name
 * @param metrics metrics, sorted by name
 * @param aliases the aliases that point to it, sorted
 */
public record VersionInfo(
    VersionId id,
    Instant createdAt,
    Digest fileSha256,
    long size,
    long storedBytesAdded,
    Digest manifest,
    String format,
    Optional<String> originalFileName,
    Optional<String> note,
    Map<String, String> params,
    Map<String, Double> metrics,
    List<AliasName> aliases) {

  /** Copies the collections, keeping metadata sorted by name. */
  public VersionInfo {
    params = Collections.unmodifiableMap(new TreeMap<>(params));
    metrics = Collections.unmodifiableMap(new TreeMap<>(metrics));
    aliases = List.copyOf(aliases);
  }
}
