package io.modelstash.store.blob;

import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.util.stream.Stream;

/**
 * A {@link BlobStore} that passes every call to another one; tests extend it and override the calls
 * they want to break or watch.
 */
public abstract class ForwardingBlobStore implements BlobStore {
  protected final BlobStore delegate;

  protected ForwardingBlobStore(BlobStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public boolean exists(BlobKind kind, Digest id) throws IOException {
    return delegate.exists(kind, id);
  }

  @Override
  public void put(BlobKind kind, Digest id, InputStream in, long length) throws IOException {
    delegate.put(kind, id, in, length);
  }

  @Override
  public byte[] get(BlobKind kind, Digest id) throws IOException {
    return delegate.get(kind, id);
  }

  @Override
  public InputStream open(BlobKind kind, Digest id) throws IOException {
    return delegate.open(kind, id);
  }

  @Override
  public InputStream open(BlobKind kind, Digest id, long offset, long length) throws IOException {
    return delegate.open(kind, id, offset, length);
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

  @Override
  public java.util.Optional<String> storeIdentity() throws IOException {
    return delegate.storeIdentity();
  }

  @Override
  public void recordStoreIdentity(String id) throws IOException {
    delegate.recordStoreIdentity(id);
  }
}
