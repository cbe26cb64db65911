package io.modelstash.store.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Cuts tensor payloads into equal chunks whose size is a multiple of the element size, so no
 * element is ever split: {@link #chunkSize()} is the target rounded down to a multiple of the
 * element size (at least one element). Every chunk but the last has exactly that size.
 *
 * <p>Tensors keep their layout from one checkpoint to the next, so aligned fixed chunks line up
 * across versions and let unchanged regions deduplicate and changed ones delta-encode.
 */
public final class FixedSizeChunker implements Chunker {

  /** The default target chunk size: 1 MiB. */
  public static final int DEFAULT_TARGET = 1 << 20;

  /** The largest element size accepted (complex128 has 16 bytes). */
  public static final int MAX_ELEMENT_SIZE = 1024;

  private final int elementSize;
  private final int chunkSize;

  FixedSizeChunker(int elementSize, int target) {
    if (elementSize < 1 || elementSize > MAX_ELEMENT_SIZE) {
      throw new IllegalArgumentException(
          "Invalid element size " + elementSize + ": use 1 to " + MAX_ELEMENT_SIZE);
    }
    if (target < 1 || target > ChunkFormat.MAX_RAW_LENGTH) {
      throw new IllegalArgumentException(
          "Invalid target chunk size " + target + ": use 1 to " + ChunkFormat.MAX_RAW_LENGTH);
    }
    this.elementSize = elementSize;
    this.chunkSize = Math.max(elementSize, target / elementSize * elementSize);
  }

  /** The element size chunks are aligned to. */
  public int elementSize() {
    return elementSize;
  }

  /** The size of every chunk but the last. */
  public int chunkSize() {
    return chunkSize;
  }

  @Override
  public int maxChunkSize() {
    return chunkSize;
  }

  /** The chunks of a payload of {@code length} bytes, offsets from 0; no content needed. */
  public List<Span> spans(long length) {
    if (length < 0) {
      throw new IllegalArgumentException("length " + length + " < 0");
    }
    List<Span> out = new ArrayList<>((int) Math.min(Integer.MAX_VALUE, length / chunkSize + 1));
    for (long off = 0; off < length; off += chunkSize) {
      out.add(new Span(off, (int) Math.min(chunkSize, length - off)));
    }
    return out;
  }

  @Override
  public List<Span> split(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    List<Span> out = new ArrayList<>(len / chunkSize + 1);
    for (int pos = 0; pos < len; pos += chunkSize) {
      out.add(new Span(off + pos, Math.min(chunkSize, len - pos)));
    }
    return out;
  }

  @Override
  public void split(InputStream in, ChunkSink sink) throws IOException {
    while (true) {
      byte[] chunk = in.readNBytes(chunkSize);
      if (chunk.length == 0) {
        return;
      }
      sink.accept(chunk);
      if (chunk.length < chunkSize) {
        return;
      }
    }
  }

  @Override
  public String toString() {
    return "FixedSizeChunker[element " + elementSize + ", chunk " + chunkSize + "]";
  }
}
