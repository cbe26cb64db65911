package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link Chunker} must have; a chunker's test supplies the chunker. */
public abstract class ChunkerContract {

  /** The chunker under test, configured with small chunks so properties run fast. */
  protected abstract Chunker chunker();

  static byte[] data(int length, long seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** A stream that returns few bytes per read, to show delivery does not change the cuts. */
  static InputStream trickle(byte[] data, long seed) {
    Random r = new Random(seed);
    return new InputStream() {
      int pos;

      @Override
      public int read() {
        return pos < data.length ? data[pos++] & 0xff : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos == data.length) {
          return -1;
        }
        int n = Math.min(Math.min(len, 1 + r.nextInt(700)), data.length - pos);
        System.arraycopy(data, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  static List<byte[]> streamed(Chunker c, InputStream in) throws IOException {
    List<byte[]> out = new ArrayList<>();
    c.split(in, out::add);
    return out;
  }

  @Property(tries = 60)
  void chunksConcatenateToTheInput(@ForAll @IntRange(max = 60_000) int length, @ForAll long seed)
      throws IOException {
    byte[] in = data(length, seed);
    List<Span> spans = chunker().split(in);
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    long expectedOffset = 0;
    for (Span s : spans) {
      assertThat(s.offset()).isEqualTo(expectedOffset);
      assertThat(s.length()).isBetween(1, chunker().maxChunkSize());
      joined.write(in, (int) s.offset(), s.length());
      expectedOffset = s.end();
    }
    assertThat(joined.toByteArray()).isEqualTo(in);

    List<byte[]> chunks = streamed(chunker(), trickle(in, seed));
    assertThat(chunks).hasSameSizeAs(spans);
    for (int i = 0; i < chunks.size(); i++) {
      Span s = spans.get(i);
      assertThat(chunks.get(i))
          .isEqualTo(java.util.Arrays.copyOfRange(in, (int) s.offset(), (int) s.end()));
    }
  }

  @Property(tries = 30)
  void respectsTheOffsetOfASlice(@ForAll @IntRange(max = 3000) int off, @ForAll long seed) {
    byte[] in = data(30_000, seed);
    List<Span> whole = chunker().split(java.util.Arrays.copyOfRange(in, off, in.length));
    List<Span> slice = chunker().split(in, off, in.length - off);
    assertThat(slice).hasSameSizeAs(whole);
    for (int i = 0; i < whole.size(); i++) {
      assertThat(slice.get(i).offset()).isEqualTo(whole.get(i).offset() + off);
      assertThat(slice.get(i).length()).isEqualTo(whole.get(i).length());
    }
  }

  @Test
  void emptyInputHasNoChunks() throws IOException {
    assertThat(chunker().split(new byte[0])).isEmpty();
    assertThat(streamed(chunker(), InputStream.nullInputStream())).isEmpty();
  }

  @Test
  void sameContentCutsTheSameWayEveryTime() {
    byte[] in = data(100_000, 5);
    assertThat(chunker().split(in)).isEqualTo(chunker().split(in.clone()));
  }
}
