package io.modelstash.store.engine;

import io.modelstash.format.Decomposition;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.chunk.ChunkCodec;
import io.modelstash.store.chunk.ChunkDecoder;
import io.modelstash.store.chunk.ChunkHeader;
import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.name.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store's policy in one place: how decomposed files become chunks and layouts, and how layouts
 * become files again. Owns the worker pool both directions share.
 */
public final class Engine implements Closeable {
  private final BlobStore blobs;
  private final Catalog catalog;
  private final ChunkCodec codec;
  private final ChunkDecoder decoder;
  private final ExecutorService pool;
  private final int threads;

  /** What a write produced: the layout, every chunk it references, and the bytes it added. */
  public record Written(Manifest.Layout layout, List<ChunkInfo> chunks, long storedBytesAdded) {}

  public Engine(BlobStore blobs, Catalog catalog, ChunkCodec codec, ChunkDecoder decoder) {
    this.blobs = blobs;
    this.catalog = catalog;
    this.codec = codec;
    this.decoder = decoder;
    this.threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "modelstash-worker-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.pool = Executors.newFixedThreadPool(threads, factory);
  }

  /**
   * Chunks and writes a decomposed file; returns its layout. {@code tensorOfKey} names the first
   * tensor viewing each storage key, when the file could be read.
   */
  public Written write(Decomposition d, Map<String, String> tensorOfKey) throws IOException {
    ChunkWriter writer = new ChunkWriter(blobs, catalog, codec, pool, 4 * threads);
    Manifest.Layout layout;
    try {
      layout = new Ingest(writer, tensorOfKey).layout(d);
    } catch (IOException | RuntimeException e) {
      try {
        writer.finish();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    writer.finish();
    return new Written(layout, writer.referenced(), writer.storedBytesAdded());
  }

  /**
   * Reads and decodes one chunk, checking its SHA-256 and length: the one place lifecycle and query
   * code decode chunks, so that codecs with a base chunk are handled here.
   *
   * @throws io.modelstash.store.blob.MissingBlobException if the chunk object is not stored
   * @throws io.modelstash.store.blob.CorruptObjectException if it fails a check
   */
  public byte[] readChunk(Manifest.ChunkRef ref) throws IOException {
    byte[] raw = decoder.decode(blobs.get(BlobKind.CHUNK, ref.id()), ref.id());
    if (raw.length != ref.length()) {
      throw new CorruptObjectException(
          "Chunk "
              + ref.id()
              + " is corrupt: expected "
              + ref.length()
              + " bytes, actual "
              + raw.length);
    }
    return raw;
  }

  /**
   * What a stored chunk object says about itself (sizes, codec, base), from its checked header;
   * used to rebuild catalog records.
   */
  public ChunkInfo describeChunk(Digest id) throws IOException {
    byte[] object = blobs.get(BlobKind.CHUNK, id);
    ChunkHeader h = decoder.header(object, id);
    return new ChunkInfo(id, object.length, h.rawLength(), h.codecId(), h.base());
  }

  /** Writes the bytes a layout describes. */
  public void read(Manifest.Layout layout, OutputStream out) throws IOException {
    new Restore(blobs, decoder, pool, 4 * threads).write(layout, out);
  }

  @Override
  public void close() throws IOException {
    pool.shutdownNow();
  }
}
