package io.modelstash.store.engine;

import io.modelstash.format.Decomposition;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.chunk.ChunkDecoder;
import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.name.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  private final ChunkReader reader;
  private final ExecutorService pool;
  private final ExecutorService io;
  private final int threads;

  /** What a write produced: the layout, every chunk it references, and the bytes it added. */
  public record Written(Manifest.Layout layout, List<ChunkInfo> chunks, long storedBytesAdded) {}

  public Engine(BlobStore blobs, Catalog catalog, ChunkDecoder decoder) {
    this.blobs = blobs;
    this.catalog = catalog;
    this.reader = new ChunkReader(blobs, decoder);
    this.threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "modelstash-worker-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.pool = Executors.newFixedThreadPool(threads, factory);
    // blob writes wait on fsync far more than they compute; more of them overlap those waits
    this.io = Executors.newFixedThreadPool(4 * threads, factory);
  }

  /**
   * Chunks and writes a decomposed file; returns its layout. {@code tensorOfKey} names the first
   * tensor viewing each storage key, when the file could be read; payloads that match one of {@code
   * base}'s (same tensor, dtype and size) may be stored as deltas against it.
   *
   * @param history whether {@code base} is the previous version of the same history, which the next
   *     version will delta against in turn: only then may a chunk become a new keyframe where a
   *     delta would be smaller (see {@link io.modelstash.store.chunk.ChunkEncoder#encodeBest})
   */
  public Written write(
      Decomposition d,
      Map<String, String> tensorOfKey,
      Optional<Manifest.Layout> base,
      boolean history)
      throws IOException {
    BaseIndex index = base.map(BaseIndex::of).orElse(BaseIndex.EMPTY);
    // the base's chunk records in a few queries, not one or two per chunk: unchanged chunks and
    // delta bases are found there, which on a remote catalog saves a round trip per chunk
    Map<Digest, ChunkInfo> known = catalog.liveChunkInfos(index.chunkIds());
    ChunkWriter writer =
        new ChunkWriter(blobs, catalog, known, reader, pool, io, 8 * threads, history);
    Manifest.Layout layout;
    try {
      layout = new Ingest(writer, tensorOfKey, index).layout(d);
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
   * What a stored chunk object says about itself (sizes, codec, base), from its checked header;
   * used to rebuild catalog records.
   */
  public ChunkInfo describeChunk(Digest id) throws IOException {
    return reader.describe(id);
  }

  /** Writes the bytes a layout describes. */
  public void read(Manifest.Layout layout, OutputStream out) throws IOException {
    new Restore(this::startReading, readAhead()).write(layout, out);
  }

  /** How many chunks a reader keeps being decoded ahead of its consumer. */
  public int readAhead() {
    return 4 * threads;
  }

  /**
   * Reads and decodes one chunk, checking its SHA-256 and length (a delta chunk is decoded against
   * its standalone base): the one place lifecycle, query and restore code decode chunks.
   *
   * @throws io.modelstash.store.blob.MissingBlobException if the chunk object is not stored
   * @throws io.modelstash.store.blob.CorruptObjectException if it fails a check
   */
  public byte[] readChunk(Manifest.ChunkRef ref) throws IOException {
    return reader.read(ref);
  }

  /**
   * Starts reading and decoding a chunk in the background, as {@link #readChunk} would, for a
   * reader that runs ahead of its consumer.
   */
  public Decoding startReading(Manifest.ChunkRef ref) {
    return Decoding.start(reader, ref, io, pool);
  }

  /** {@link #checkChunk} in the background, for a checker that runs ahead of its results. */
  public Decoding startChecking(Manifest.ChunkRef ref) {
    return Decoding.run(() -> reader.check(ref), pool);
  }

  /**
   * The raw bytes of a standalone chunk by name alone, SHA-256 checked: a delta's base, which may
   * come from the engine's cache of decoded bases.
   */
  public byte[] standaloneChunk(Digest id) throws IOException {
    return reader.standalone(id);
  }

  /**
   * Like {@link #readChunk}, but reads the stored objects (the chunk's and its base's) every time,
   * never a copy the engine keeps decoded: for verification.
   */
  public byte[] checkChunk(Manifest.ChunkRef ref) throws IOException {
    return reader.check(ref);
  }

  @Override
  public void close() throws IOException {
    pool.shutdownNow();
    io.shutdownNow();
  }
}
