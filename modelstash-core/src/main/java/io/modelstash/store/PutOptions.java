package io.modelstash.store;

import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Ref;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a put records beside the file: parameters (text), metrics (numbers), a note, an alias to
 * point at the new version, and the file's original name; and which version to store deltas against
 * ({@code base}; by default the latest version of the same path).
 */
public record PutOptions(
    Map<String, String> params,
    Map<String, Double> metrics,
    Optional<String> note,
    Optional<AliasName> tag,
    Optional<String> originalFileName,
    Optional<Ref> base) {

  public PutOptions(
      Map<String, String> params,
      Map<String, Double> metrics,
      Optional<String> note,
      Optional<AliasName> tag,
      Optional<String> originalFileName) {
    this(params, metrics, note, tag, originalFileName, Optional.empty());
  }

  public PutOptions {
    params = Map.copyOf(new TreeMap<>(params));
    metrics = Map.copyOf(new TreeMap<>(metrics));
    Objects.requireNonNull(note, "note");
    Objects.requireNonNull(tag, "tag");
    Objects.requireNonNull(originalFileName, "originalFileName");
    Objects.requireNonNull(base, "base");
  }

  public static PutOptions none() {
    return new PutOptions(Map.of(), Map.of(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public PutOptions withOriginalFileName(String name) {
    return new PutOptions(params, metrics, note, tag, Optional.of(name), base);
  }

  public PutOptions withBase(Ref ref) {
    return new PutOptions(params, metrics, note, tag, originalFileName, Optional.of(ref));
  }
}
