package io.modelstash.store.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.VersionId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {
  private static final Instant NOW = Instant.parse("2025-06-01T00:00:00Z");
  private static final ModelPath P = ModelPath.parse("p");

  /** Versions 1..n, version i committed (n − i) days before NOW, with loss[i − 1]. */
  private static List<VersionInfo> history(double... loss) {
    List<VersionInfo> out = new ArrayList<>();
    for (int i = 1; i <= loss.length; i++) {
      out.add(version(i, loss.length - i, Map.of("loss", loss[i - 1]), List.of()));
    }
    return out;
  }

  private static VersionInfo version(
      long n, long daysAgo, Map<String, Double> metrics, List<AliasName> aliases) {
    Digest d = Digest.of(new byte[] {(byte) n});
    return new VersionInfo(
        new VersionId(P, n),
        NOW.minus(Duration.ofDays(daysAgo)),
        d,
        1,
        1,
        d,
        "raw",
        Optional.empty(),
        Optional.empty(),
        Map.of(),
        metrics,
        aliases);
  }

  private static List<Long> removed(RetentionPolicy p, List<VersionInfo> versions) {
    return p.select(versions, NOW).stream().map(v -> v.id().number()).toList();
  }

  private static RetentionPolicy policy(
      Integer last, List<RetentionPolicy.KeepBest> best, Integer every, Duration olderThan) {
    return new RetentionPolicy(
        last == null ? OptionalInt.empty() : OptionalInt.of(last),
        best,
        every == null ? OptionalInt.empty() : OptionalInt.of(every),
        Optional.ofNullable(olderThan));
  }

  @Test
  void withoutRulesNothingGoes() {
    assertThat(removed(RetentionPolicy.none(), history(1, 2, 3))).isEmpty();
    assertThat(RetentionPolicy.none().hasRules()).isFalse();
  }

  @Test
  void keepRulesCombineAndAliasesAlwaysStay() {
    List<VersionInfo> h = history(0.9, 0.5, 0.7, 0.4, 0.8, 0.6, 0.95, 0.3);
    assertThat(removed(policy(2, List.of(), null, null), h))
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    RetentionPolicy.KeepBest best2 = RetentionPolicy.KeepBest.parse("2:loss");
    assertThat(removed(policy(null, List.of(best2), null, null), h))
        .containsExactly(1L, 2L, 3L, 5L, 6L, 7L);
    assertThat(removed(policy(1, List.of(best2), 3, null), h)).containsExactly(1L, 2L, 5L, 7L);
    RetentionPolicy.KeepBest worst = RetentionPolicy.KeepBest.parse("1:loss:max");
    assertThat(removed(policy(1, List.of(best2, worst), 3, null), h)).containsExactly(1L, 2L, 5L);
    h.set(1, version(2, 6, Map.of("loss", 0.5), List.of(AliasName.of("prod"))));
    assertThat(removed(policy(1, List.of(best2, worst), 3, null), h)).containsExactly(1L, 5L);
  }

  @Test
  void olderThanLimitsWhatGoes() {
    List<VersionInfo> h = history(5, 4, 3, 2, 1);
    assertThat(removed(policy(1, List.of(), null, Duration.ofDays(2)), h)).containsExactly(1L, 2L);
    assertThat(removed(policy(null, List.of(), null, Duration.ofDays(3)), h)).containsExactly(1L);
    assertThat(removed(policy(null, List.of(), null, Duration.ofDays(30)), h)).isEmpty();
  }

  @Test
  void tiesGoToTheNewestAndVersionsWithoutTheMetricAreNotKeptByIt() {
    List<VersionInfo> h = history(0.5, 0.5, 0.5);
    h.add(version(4, 0, Map.of(), List.of()));
    assertThat(
            removed(policy(null, List.of(RetentionPolicy.KeepBest.parse("1:loss")), null, null), h))
        .containsExactly(1L, 2L, 4L);
  }

  @Test
  void keepBestParsesAndRefuses() {
    assertThat(RetentionPolicy.KeepBest.parse("3:val_loss"))
        .isEqualTo(new RetentionPolicy.KeepBest(3, "val_loss", false));
    assertThat(RetentionPolicy.KeepBest.parse("2:acc:max"))
        .isEqualTo(new RetentionPolicy.KeepBest(2, "acc", true));
    assertThat(RetentionPolicy.KeepBest.parse("1:a:b:min"))
        .isEqualTo(new RetentionPolicy.KeepBest(1, "a:b", false));
    for (String bad : List.of("", "3", "x:loss", "0:loss", "3:", ":loss", "-1:loss", "2::max")) {
      assertThatThrownBy(() -> RetentionPolicy.KeepBest.parse(bad))
          .as(bad)
          .hasMessageContaining("expected K:METRIC");
    }
  }
}
