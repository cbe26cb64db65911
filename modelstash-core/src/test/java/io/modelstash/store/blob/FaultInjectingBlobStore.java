package io.modelstash.store.blob;

import io.modelstash.store.name.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a blob store and makes chosen operations fail the way real storage does: the next put fails
 * after a given number of bytes reached the store (like a full disk), or the next read fails.
 */
final class FaultInjectingBlobStore extends ForwardingBlobStore {

  static final String DISK_FULL = "No space left on device (injected)";
  private final AtomicLong failPutAfterBytes = new AtomicLong(-1);
  private volatile boolean failNextRead;

  FaultInjectingBlobStore(BlobStore delegate) {
    super(delegate);
  }

  /** The next put fails with a disk-full error once {@code bytes} bytes have been written. */
  void failNextPutAfter(long bytes) {
    failPutAfterBytes.set(bytes);
  }

  /** The next get or open fails with an I/O error. */
  void failNextRead() {
    failNextRead = true;
  }

  @Override
  public void put(BlobKind kind, Digest id, InputStream in, long length) throws IOException {
    long limit = failPutAfterBytes.getAndSet(-1);
    delegate.put(kind, id, limit < 0 ? in : new FailingStream(in, limit), length);
  }

  @Override
  public byte[] get(BlobKind kind, Digest id) throws IOException {
    checkRead();
    return delegate.get(kind, id);
  }

  @Override
  public InputStream open(BlobKind kind, Digest id) throws IOException {
    checkRead();
    return delegate.open(kind, id);
  }

  @Override
  public InputStream open(BlobKind kind, Digest id, long offset, long length) throws IOException {
    checkRead();
    return delegate.open(kind, id, offset, length);
  }

  private void checkRead() throws IOException {
    if (failNextRead) {
      failNextRead = false;
      throw new IOException("Input/output error (injected)");
    }
  }

  /** Passes {@code limit} bytes through, then fails every read. */
  private static final class FailingStream extends FilterInputStream {
    private long left;

    FailingStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        throw new IOException(DISK_FULL);
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
