package io.modelstash.store.query;

import io.modelstash.store.catalog.VersionInfo;
import java.util.List;

/**
 * How two versions differ, tensor by tensor, and how much stored data they share.
 *
 * @param from the first version
 * @param to the second version
 * @param tensors every tensor of either version, in the first version's order, then the added ones
 * @param fromStoredBytes stored bytes of the distinct chunks the first version uses
 * @param toStoredBytes the same for the second
 * @param sharedStoredBytes stored bytes of the chunks both use
 */
public record VersionDiff(
    VersionInfo from,
    VersionInfo to,
    List<TensorChange> tensors,
    long fromStoredBytes,
    long toStoredBytes,
    long sharedStoredBytes) {

  /** Copies the list. */
  public VersionDiff {
    tensors = List.copyOf(tensors);
  }
}
