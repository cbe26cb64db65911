package io.modelstash.format;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.Deflater;

/**
 * Deflates what is written to it into a raw deflate stream on {@code out}, the way a {@link
 * Segment.Deflated} says: the level, and a {@code SYNC_FLUSH} after each flush point (an offset in
 * the bytes written). Closing finishes the stream but leaves {@code out} open.
 */
public final class DeflateWriter extends OutputStream {
  private final OutputStream out;
  private final long[] flushPoints;
  private final Deflater deflater;
  private final byte[] buf = new byte[1 << 16];
  private int nextFlush;
  private long written;
  private boolean closed;

  public DeflateWriter(OutputStream out, int level, long[] flushPoints) {
    this.out = out;
    this.flushPoints = flushPoints.clone();
    this.deflater = new Deflater(level, true);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    flushIfDue();
    while (len > 0) {
      long limit =
          nextFlush < flushPoints.length ? flushPoints[nextFlush] - written : Long.MAX_VALUE;
      int n = (int) Math.min(len, limit);
      deflater.setInput(b, off, n);
      while (!deflater.needsInput()) {
        drain(Deflater.NO_FLUSH);
      }
      written += n;
      off += n;
      len -= n;
      flushIfDue();
    }
  }

  private void flushIfDue() throws IOException {
    while (nextFlush < flushPoints.length && flushPoints[nextFlush] == written) {
      // a full buffer means the flush may have more output pending
      while (drain(Deflater.SYNC_FLUSH) == buf.length) {
        continue;
      }
      nextFlush++;
    }
  }

  private int drain(int flush) throws IOException {
    int n = deflater.deflate(buf, 0, buf.length, flush);
    if (n > 0) {
      out.write(buf, 0, n);
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      flushIfDue();
      deflater.finish();
      while (!deflater.finished()) {
        drain(Deflater.NO_FLUSH);
      }
    } finally {
      deflater.end();
    }
  }
}
