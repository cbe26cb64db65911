package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FixedSizeChunkerTest extends ChunkerContract {

  @Override
  protected Chunker chunker() {
    return Chunker.fixedSize(12, 1000);
  }

  @Test
  void roundsTheTargetDownToWholeElements() {
    assertThat(Chunker.fixedSize(4).chunkSize()).isEqualTo(1 << 20);
    assertThat(Chunker.fixedSize(12).chunkSize()).isEqualTo(1_048_572);
    assertThat(Chunker.fixedSize(12, 1000).chunkSize()).isEqualTo(996);
    assertThat(Chunker.fixedSize(1000, 600).chunkSize()).isEqualTo(1000);
    assertThat(Chunker.fixedSize(1, 1).chunkSize()).isEqualTo(1);
  }

  @Property(tries = 50)
  void neverSplitsAnElement(
      @ForAll @IntRange(min = 1, max = 16) int element,
      @ForAll @IntRange(min = 1, max = 5000) int target,
      @ForAll @IntRange(max = 2000) int elements) {
    FixedSizeChunker c = Chunker.fixedSize(element, target);
    List<Span> spans = c.spans((long) elements * element);
    for (Span s : spans) {
      assertThat(s.offset() % element).isZero();
      assertThat(s.length() % element).isZero();
    }
    assertThat(spans.stream().mapToLong(Span::length).sum()).isEqualTo((long) elements * element);
    assertThat(c.split(new byte[elements * element])).isEqualTo(spans);
  }

  @Test
  void allButTheLastChunkHaveTheChunkSize() throws IOException {
    FixedSizeChunker c = Chunker.fixedSize(2, 10);
    assertThat(c.spans(25)).containsExactly(new Span(0, 10), new Span(10, 10), new Span(20, 5));
    assertThat(c.spans(0)).isEmpty();
    assertThat(streamed(c, new ByteArrayInputStream(new byte[20]))).hasSize(2);
    List<Span> huge = Chunker.fixedSize(4).spans((6L << 30) + 4);
    assertThat(huge).hasSize(6 * 1024 + 1);
    assertThat(huge.get(huge.size() - 1)).isEqualTo(new Span(6L << 30, 4));
  }

  @Test
  void refusesBadConfiguration() {
    assertThatThrownBy(() -> Chunker.fixedSize(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Chunker.fixedSize(4, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Chunker.fixedSize(4, 128 << 20))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
