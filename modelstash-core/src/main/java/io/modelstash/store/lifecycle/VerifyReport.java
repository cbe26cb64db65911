package io.modelstash.store.lifecycle;

import io.modelstash.store.name.VersionId;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Verifier} found.
 *
 * @param full whether chunks were decoded and files rebuilt
 * @param versions how many versions were checked
 * @param chunks how many distinct chunks were checked
 * @param problems damage: stored data that is missing or wrong
 * @param warnings things that do not affect reading, such as a missing version record
 */
public record VerifyReport(
    boolean full, long versions, long chunks, List<Problem> problems, List<Problem> warnings) {

  /** What kind of problem. */
  public enum Kind {
    /** A chunk object the catalog says a version uses is not stored. */
    MISSING_CHUNK,
    /** A chunk object's size differs from the catalog's record. */
    CHUNK_SIZE,
    /** A chunk object fails a check when decoded (checksum, SHA-256, length). */
    CORRUPT_CHUNK,
    /** A version's manifest is not stored. */
    MISSING_MANIFEST,
    /** A version's manifest fails a check, or disagrees with the catalog. */
    CORRUPT_MANIFEST,
    /** A manifest uses a chunk the catalog does not record for its version. */
    UNRECORDED_CHUNK,
    /** The rebuilt file does not have the saved SHA-256 or size. */
    FILE_HASH,
    /** A version has no version record ('repair --rebuild-catalog' would renumber it). */
    MISSING_RECORD,
    /** A version record cannot be read. */
    CORRUPT_RECORD
  }

  /**
   * One problem.
   *
   * @param kind what kind
   * @param object the chunk, manifest or record digest (hex), or the version, concerned
   * @param message one line saying what is wrong
   * @param versions every checked version it affects
   */
  public record Problem(Kind kind, String object, String message, List<VersionId> versions) {
    /** Copies the list. */
    public Problem {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(object, "object");
      Objects.requireNonNull(message, "message");
      versions = List.copyOf(versions);
    }
  }

  /** Copies the lists. */
  public VerifyReport {
    problems = List.copyOf(problems);
    warnings = List.copyOf(warnings);
  }

  /** Whether no damage was found (warnings allowed). */
  public boolean ok() {
    return problems.isEmpty();
  }
}
