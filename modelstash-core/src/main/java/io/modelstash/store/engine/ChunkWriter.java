package io.modelstash.store.engine;

import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.chunk.ChunkCodec;
import io.modelstash.store.chunk.ChunkEncoder;
import io.modelstash.store.chunk.EncodedChunk;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Encodes and writes the chunks of one put on a thread pool, at most a bounded number in flight so
 * memory stays bounded whatever the file size. Chunks the catalog already records are not written
 * again; every chunk the put references is remembered for the commit.
 */
final class ChunkWriter {
  private final BlobStore blobs;
  private final Catalog catalog;
  private final ChunkCodec codec;
  private final ExecutorService pool;
  private final Semaphore inFlight;
  private final List<Future<?>> pending = new ArrayList<>();
  private final Map<Digest, ChunkInfo> referenced = new ConcurrentHashMap<>();
  private final Map<Digest, Boolean> order = new LinkedHashMap<>();
  private final AtomicLong storedAdded = new AtomicLong();

  ChunkWriter(
      BlobStore blobs, Catalog catalog, ChunkCodec codec, ExecutorService pool, int window) {
    this.blobs = blobs;
    this.catalog = catalog;
    this.codec = codec;
    this.pool = pool;
    this.inFlight = new Semaphore(window);
  }

  /** Queues a chunk; returns its id at once. The array becomes the writer's. */
  Digest submit(byte[] raw) throws IOException {
    Digest id = Digest.of(raw);
    synchronized (order) {
      if (order.put(id, Boolean.TRUE) != null) {
        return id;
      }
    }
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing chunks");
    }
    pending.add(
        pool.submit(
            () -> {
              try {
                write(id, raw);
              } finally {
                inFlight.release();
              }
              return null;
            }));
    return id;
  }

  private void write(Digest id, byte[] raw) throws IOException {
    var known = catalog.chunkInfo(id);
    if (known.isPresent() && blobs.exists(BlobKind.CHUNK, id)) {
      referenced.put(id, known.get().info());
      return;
    }
    EncodedChunk encoded = ChunkEncoder.encode(raw, codec);
    blobs.put(BlobKind.CHUNK, id, encoded.openStream(), encoded.objectLength());
    storedAdded.addAndGet(encoded.objectLength());
    referenced.put(
        id, new ChunkInfo(id, encoded.objectLength(), encoded.rawLength(), encoded.codecId()));
  }

  /** Waits for every queued chunk; rethrows the first failure. */
  void finish() throws IOException {
    IOException failure = null;
    for (Future<?> f : pending) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while writing chunks");
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable c = e.getCause();
        IOException io = c instanceof IOException ? (IOException) c : new IOException(c);
        if (failure == null) {
          failure = io;
        } else {
          failure.addSuppressed(io);
        }
      }
    }
    pending.clear();
    if (failure != null) {
      throw failure;
    }
  }

  /** Every chunk referenced, in first-use order. */
  List<ChunkInfo> referenced() {
    List<ChunkInfo> out = new ArrayList<>();
    synchronized (order) {
      for (Digest d : order.keySet()) {
        out.add(referenced.get(d));
      }
    }
    return out;
  }

  long storedBytesAdded() {
    return storedAdded.get();
  }
}
