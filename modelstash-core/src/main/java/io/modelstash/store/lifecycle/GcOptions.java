package io.modelstash.store.lifecycle;

import io.modelstash.store.name.ModelPath;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to collect garbage.
 *
 * @param prefix apply the retention rules only to paths under this one (sweeping unreferenced data
 *     is always store-wide, since paths share chunks)
 * @param retention which versions to remove
 * @param grace leave chunks unreferenced for less than this, and unrecorded objects younger than
 *     this (a put may be writing them)
 * @param dryRun report what would be removed and freed, changing nothing
 */
public record GcOptions(
    Optional<ModelPath> prefix, RetentionPolicy retention, Duration grace, boolean dryRun) {

  /** The default grace period: one hour. */
  public static final Duration DEFAULT_GRACE = Duration.ofHours(1);

  /** Checks the values. */
  public GcOptions {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(retention, "retention");
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("--grace must not be negative");
    }
  }

  /** Sweep only, with the default grace period. */
  public static GcOptions sweepOnly() {
    return new GcOptions(Optional.empty(), RetentionPolicy.none(), DEFAULT_GRACE, false);
  }
}
