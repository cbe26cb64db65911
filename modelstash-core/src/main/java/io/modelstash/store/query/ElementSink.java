package io.modelstash.store.query;

import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream that hands whole elements on in blocks, however the bytes arrive; a trailing
 * partial element at close is an error.
 */
abstract class ElementSink extends OutputStream {
  private static final int BLOCK = 1 << 16;

  private final int elementSize;
  private final byte[] block;
  private int fill;

  ElementSink(int elementSize) {
    this.elementSize = elementSize;
    this.block = new byte[Math.max(elementSize, BLOCK / elementSize * elementSize)];
  }

  /** Receives {@code count} whole elements at the start of {@code b}. */
  abstract void elements(byte[] b, int count) throws IOException;

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(len, block.length - fill);
      System.arraycopy(b, off, block, fill, n);
      fill += n;
      off += n;
      len -= n;
      if (fill == block.length) {
        flushBlock();
      }
    }
  }

  private void flushBlock() throws IOException {
    int count = fill / elementSize;
    if (count > 0) {
      elements(block, count);
      int rest = fill - count * elementSize;
      System.arraycopy(block, count * elementSize, block, 0, rest);
      fill = rest;
    }
  }

  @Override
  public void close() throws IOException {
    flushBlock();
    if (fill != 0) {
      throw new IOException("Tensor data ended inside an element (" + fill + " stray bytes)");
    }
  }
}
