package io.modelstash.store.lifecycle;

import io.modelstash.store.name.VersionId;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What rebuilding a catalog recovered.
 *
 * @param recorded versions recovered with the number their version record gives
 * @param renumbered versions whose manifest had no version record (a crash between commit and
 *     record, or a put that crashed after writing its manifest but before its commit), numbered
 *     after the recorded ones of their path in the order they were written
 * @param removed versions left out because a record says they were removed
 * @param problems objects that could not be read or are missing, one line each
 * @param previous where the old catalog file was moved, if there was one
 */
public record RepairReport(
    List<VersionId> recorded,
    List<VersionId> renumbered,
    List<VersionId> removed,
    List<String> problems,
    Optional<Path> previous) {

  /** Copies the lists. */
  public RepairReport {
    recorded = List.copyOf(recorded);
    renumbered = List.copyOf(renumbered);
    removed = List.copyOf(removed);
    problems = List.copyOf(problems);
  }
}
