package io.modelstash.store.blob;

import io.modelstash.store.name.Digest;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes exactly {@code length} bytes of another stream through: it ends there even if the source
 * goes on, and fails with {@link EOFException} if the source ends before (an object that shrank or
 * a store that lied about its size), so a reader never takes a short range for a whole one.
 */
final class RangeInputStream extends FilterInputStream {

  private final BlobKind kind;
  private final Digest id;
  private final long length;
  private long left;

  RangeInputStream(InputStream in, long length, BlobKind kind, Digest id) {
    super(in);
    this.kind = kind;
    this.id = id;
    this.length = length;
    this.left = length;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (left == 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, left));
    if (n < 0) {
      throw new EOFException(
          "Cannot read "
              + kind.noun()
              + " "
              + id
              + ": it ended "
              + left
              + " bytes before the end of the "
              + length
              + "-byte range");
    }
    left -= n;
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = in.skip(Math.min(Math.max(n, 0), left));
    left -= skipped;
    return skipped;
  }

  @Override
  public int available() throws IOException {
    return (int) Math.min(in.available(), left);
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }
}
