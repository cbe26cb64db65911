package io.modelstash.store.lifecycle;

import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.VersionId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Which versions of a model path garbage collection removes. Keep rules combine: a version is
 * removed only if no keep rule keeps it, it has no alias, and, when {@code olderThan} is given, it
 * was committed longer ago than that. Without any rule nothing is removed.
 *
 * @param keepLast keep the newest N versions of each path
 * @param keepBest keep the K best versions of each path by each listed metric
 * @param keepEvery keep versions whose number is a multiple of N (stable as others go)
 * @param olderThan remove only versions committed longer ago than this
 */
public record RetentionPolicy(
    OptionalInt keepLast,
    List<KeepBest> keepBest,
    OptionalInt keepEvery,
    Optional<Duration> olderThan) {

  /** Keep the {@code count} versions with the lowest (or highest) value of {@code metric}. */
  public record KeepBest(int count, String metric, boolean highest) {
    /** Checks the values. */
    public KeepBest {
      if (count < 1) {
        throw new IllegalArgumentException("--keep-best needs a count of at least 1");
      }
      Objects.requireNonNull(metric, "metric");
      if (metric.isEmpty()) {
        throw new IllegalArgumentException("--keep-best needs a metric name");
      }
    }

    /**
     * Parses {@code K:METRIC} or {@code K:METRIC:max} ({@code :min} is the default).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static KeepBest parse(String text) {
      int colon = text.indexOf(':');
      if (colon <= 0) {
        throw bad(text);
      }
      int count;
      try {
        count = Integer.parseInt(text.substring(0, colon));
      } catch (NumberFormatException e) {
        throw bad(text);
      }
      String metric = text.substring(colon + 1);
      boolean highest = false;
      if (metric.endsWith(":max") || metric.endsWith(":min")) {
        highest = metric.endsWith(":max");
        metric = metric.substring(0, metric.length() - 4);
      }
      if (count < 1 || metric.isEmpty()) {
        throw bad(text);
      }
      return new KeepBest(count, metric, highest);
    }

    private static IllegalArgumentException bad(String text) {
      return new IllegalArgumentException(
          "Invalid --keep-best '"
              + text
              + "': expected K:METRIC or K:METRIC:max with K ≥ 1, e.g. 3:val_loss or 2:accuracy:max");
    }

    @Override
    public String toString() {
      return count + ":" + metric + (highest ? ":max" : "");
    }
  }

  /** Checks the values. */
  public RetentionPolicy {
    Objects.requireNonNull(keepLast, "keepLast");
    keepBest = List.copyOf(keepBest);
    Objects.requireNonNull(keepEvery, "keepEvery");
    Objects.requireNonNull(olderThan, "olderThan");
    if (keepLast.isPresent() && keepLast.getAsInt() < 0) {
      throw new IllegalArgumentException("--keep-last must not be negative");
    }
    if (keepEvery.isPresent() && keepEvery.getAsInt() < 1) {
      throw new IllegalArgumentException("--keep-every must be at least 1");
    }
    if (olderThan.isPresent() && olderThan.get().isNegative()) {
      throw new IllegalArgumentException("--older-than must not be negative");
    }
  }

  /** No rules: garbage collection only sweeps unreferenced data. */
  public static RetentionPolicy none() {
    return new RetentionPolicy(
        OptionalInt.empty(), List.of(), OptionalInt.empty(), Optional.empty());
  }

  /** Whether any rule is given; without one no version is removed. */
  public boolean hasRules() {
    return keepLast.isPresent()
        || !keepBest.isEmpty()
        || keepEvery.isPresent()
        || olderThan.isPresent();
  }

  /**
   * The versions of one path to remove.
   *
   * @param versions all versions of one path
   * @param now the time {@code olderThan} counts back from
   */
  public List<VersionInfo> select(List<VersionInfo> versions, Instant now) {
    if (!hasRules()) {
      return List.of();
    }
    List<VersionInfo> newestFirst = new ArrayList<>(versions);
    newestFirst.sort(Comparator.comparingLong((VersionInfo v) -> v.id().number()).reversed());
    Set<VersionId> keep = new HashSet<>();
    if (keepLast.isPresent()) {
      for (int i = 0; i < Math.min(keepLast.getAsInt(), newestFirst.size()); i++) {
        keep.add(newestFirst.get(i).id());
      }
    }
    for (KeepBest rule : keepBest) {
      List<VersionInfo> ranked = new ArrayList<>();
      for (VersionInfo v : newestFirst) {
        if (v.metrics().containsKey(rule.metric())) {
          ranked.add(v);
        }
      }
      Comparator<VersionInfo> byValue =
          Comparator.comparingDouble(v -> v.metrics().get(rule.metric()));
      // stable sort over newest-first keeps the newest of equal values first
      ranked.sort(rule.highest() ? byValue.reversed() : byValue);
      for (int i = 0; i < Math.min(rule.count(), ranked.size()); i++) {
        keep.add(ranked.get(i).id());
      }
    }
    List<VersionInfo> out = new ArrayList<>();
    for (VersionInfo v : newestFirst) {
      boolean kept =
          keep.contains(v.id())
              || !v.aliases().isEmpty()
              || (keepEvery.isPresent() && v.id().number() % keepEvery.getAsInt() == 0);
      boolean oldEnough = olderThan.isEmpty() || v.createdAt().isBefore(now.minus(olderThan.get()));
      if (!kept && oldEnough) {
        out.add(v);
      }
    }
    out.sort(Comparator.comparingLong(v -> v.id().number()));
    return out;
  }
}
