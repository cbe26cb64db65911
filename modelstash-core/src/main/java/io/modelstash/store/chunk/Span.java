package io.modelstash.store.chunk;

/**
 * A chunk's place in its input.
 *
 * @param offset where it starts
 * @param length how many bytes it has, at least 1
 */
public record Span(long offset, int length) {
  /** Checks the bounds. */
  public Span {
    if (offset < 0 || length < 1) {
      throw new IllegalArgumentException("Invalid span: offset " + offset + ", length " + length);
    }
  }

  /** The offset just past the chunk. */
  public long end() {
    return offset + length;
  }
}
