package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.name.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ContentDefinedChunkerTest extends ChunkerContract {

  private static final ContentDefinedChunker SMALL = Chunker.contentDefined(256, 1024, 4096);

  @Override
  protected Chunker chunker() {
    return SMALL;
  }

  @Property(tries = 40)
  void anInsertionNearTheStartKeepsLaterBoundaries(
      @ForAll long seed,
      @ForAll @IntRange(max = 4000) int at,
      @ForAll @IntRange(min = 1, max = 300) int inserted) {
    byte[] before = data(120_000, seed);
    byte[] extra = data(inserted, ~seed);
    byte[] after = new byte[before.length + inserted];
    System.arraycopy(before, 0, after, 0, at);
    System.arraycopy(extra, 0, after, at, inserted);
    System.arraycopy(before, at, after, at + inserted, before.length - at);

    Set<Long> newCuts = new HashSet<>();
    SMALL.split(after).forEach(s -> newCuts.add(s.end()));
    // Cuts well after the edit should all reappear, shifted by the insertion.
    List<Span> old = SMALL.split(before);
    long later = old.stream().filter(s -> s.end() > at + 2L * SMALL.maxChunkSize()).count();
    long kept =
        old.stream()
            .filter(s -> s.end() > at + 2L * SMALL.maxChunkSize())
            .filter(s -> newCuts.contains(s.end() + inserted))
            .count();
    assertThat(later).isGreaterThan(50);
    // a forced cut at the maximum size can delay resynchronisation by a few chunks
    assertThat((double) kept / later).isGreaterThanOrEqualTo(0.90);
  }

  @Test
  void defaultSizesAreRespectedAndAverageIsNearTarget() throws IOException {
    ContentDefinedChunker c = Chunker.contentDefined();
    assertThat(c.minChunkSize()).isEqualTo(64 << 10);
    assertThat(c.avgChunkSize()).isEqualTo(256 << 10);
    assertThat(c.maxChunkSize()).isEqualTo(1 << 20);
    byte[] in = data(24 << 20, 1);
    List<Span> spans = c.split(in);
    for (int i = 0; i < spans.size() - 1; i++) {
      assertThat(spans.get(i).length()).isBetween(64 << 10, 1 << 20);
    }
    double mean = (double) in.length / spans.size();
    assertThat(mean).isBetween(180.0 * 1024, 360.0 * 1024);
    assertThat(streamed(c, new ByteArrayInputStream(in))).hasSameSizeAs(spans);
  }

  @Test
  void cutPointsNeverChange() {
    // A fingerprint of the cut points of fixed input: if this changes, stored data no longer
    // deduplicates against new saves. Never update it without a new chunker.
    byte[] in = data(4 << 20, 42);
    ByteBuffer ends = ByteBuffer.allocate(8 * 1000);
    Chunker.contentDefined().split(in).forEach(s -> ends.putLong(s.end()));
    assertThat(Digest.of(ends.array(), 0, ends.position()).shortHex(16))
        .isEqualTo(GOLDEN_DEFAULT_CUTS);
  }

  private static final String GOLDEN_DEFAULT_CUTS = "050543a22d0e7f47";

  @Test
  void refusesInconsistentSizes() {
    assertThatThrownBy(() -> Chunker.contentDefined(1024, 1000, 4096))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("avg a power of two");
    assertThatThrownBy(() -> Chunker.contentDefined(2048, 1024, 4096))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Chunker.contentDefined(16, 1024, 4096))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Chunker.contentDefined(256, 1024, 128 << 20))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
