package io.modelstash.store.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Cuts a run of bytes into chunks.
 *
 * <p>Every implementation guarantees:
 *
 * <ul>
 *   <li>The chunks, in order, concatenate to exactly the input; empty input gives no chunks and no
 *       chunk is empty.
 *   <li>No chunk is longer than {@link #maxChunkSize()}.
 *   <li>The cut points depend only on the input bytes and the chunker's configuration, never on how
 *       the input is delivered (one array or a stream with short reads) or on earlier calls, so the
 *       same content cuts the same way in every version and on every machine. An implementation's
 *       cut points never change between releases, since that would defeat deduplication against
 *       stored chunks.
 *   <li>Thread-safe and stateless.
 * </ul>
 *
 * <p>Two implementations: {@link #contentDefined} for opaque bytes, where an insertion must not
 * shift every later chunk, and {@link #fixedSize} for tensor payloads, which do not shift.
 */
public interface Chunker {

  /** Content-defined chunking with 64 KiB minimum, 256 KiB average and 1 MiB maximum chunks. */
  static ContentDefinedChunker contentDefined() {
    return new ContentDefinedChunker(
        ContentDefinedChunker.DEFAULT_MIN,
        ContentDefinedChunker.DEFAULT_AVG,
        ContentDefinedChunker.DEFAULT_MAX);
  }

  /** Content-defined chunking with the given sizes; see {@link ContentDefinedChunker}. */
  static ContentDefinedChunker contentDefined(int min, int avg, int max) {
    return new ContentDefinedChunker(min, avg, max);
  }

  /** Fixed-size chunks of about 1 MiB that never split an element of {@code elementSize} bytes. */
  static FixedSizeChunker fixedSize(int elementSize) {
    return new FixedSizeChunker(elementSize, FixedSizeChunker.DEFAULT_TARGET);
  }

  /** Fixed-size chunks of about {@code target} bytes aligned to {@code elementSize}. */
  static FixedSizeChunker fixedSize(int elementSize, int target) {
    return new FixedSizeChunker(elementSize, target);
  }

  /** The largest chunk this chunker produces. */
  int maxChunkSize();

  /**
   * Cuts {@code data[off, off+len)}; spans' offsets are indices into {@code data}.
   *
   * @return the chunks' spans, in order
   */
  List<Span> split(byte[] data, int off, int len);

  /** Cuts all of {@code data}. */
  default List<Span> split(byte[] data) {
    return split(data, 0, data.length);
  }

  /**
   * Reads {@code in} to its end and hands each chunk to {@code sink} as it is cut, holding at most
   * about {@link #maxChunkSize()} bytes of input at a time. Does not close {@code in}.
   */
  void split(InputStream in, ChunkSink sink) throws IOException;
}
