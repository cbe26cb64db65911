package io.modelstash.store.blob;

import io.modelstash.store.name.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Wraps a blob store and makes chosen operations fail the way real storage does: the next put fails
 * after a given number of bytes reached the store (like a full disk), or the next read fails.
 */
final class FaultInjectingBlobStore implements BlobStore {

  static final String DISK_FULL = "No space left on device (injected)";

  private final BlobStore delegate;
  private final AtomicLong failPutAfterBytes = new AtomicLong(-1);
  private volatile boolean failNextRead;

  FaultInjectingBlobStore(BlobStore delegate) {
    this.delegate = delegate;
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
  public boolean exists(BlobKind kind, Digest id) throws IOException {
    return delegate.exists(kind, id);
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

  private void checkRead() throws IOException {
    if (failNextRead) {
      failNextRead = false;
      throw new IOException("Input/output error (injected)");
    }
  }

  @Override
  public long size(BlobKind kind, Digest id) throws IOException {
    return delegate.size(kind, id);
  }

  @Override
  public boolean delete(BlobKind kind, Digest id) throws IOException {
    return delegate.delete(kind, id);
  }

  @Override
  public Stream<BlobInfo> list(BlobKind kind) throws IOException {
    return delegate.list(kind);
  }

  @Override
  public void close() throws IOException {
    delegate.close();
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
