package io.modelstash.store;

import io.modelstash.store.name.AliasName;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a put records beside the file: parameters (text), metrics (numbers), a note, an alias to
 * point at the new version, and the file's original name.
 */
public record PutOptions(
    Map<String, String> params,
    Map<String, Double> metrics,
    Optional<String> note,
    Optional<AliasName> tag,
    Optional<String> originalFileName) {

  public PutOptions {
    params = Map.copyOf(new TreeMap<>(params));
    metrics = Map.copyOf(new TreeMap<>(metrics));
    Objects.requireNonNull(note, "note");
    Objects.requireNonNull(tag, "tag");
    Objects.requireNonNull(originalFileName, "originalFileName");
  }

  public static PutOptions none() {
    return new PutOptions(Map.of(), Map.of(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public PutOptions withOriginalFileName(String name) {
    return new PutOptions(params, metrics, note, tag, Optional.of(name));
  }
}
