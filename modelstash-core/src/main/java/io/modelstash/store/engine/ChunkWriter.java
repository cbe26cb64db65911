package io.modelstash.store.engine;

import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.ChunkRecord;
import io.modelstash.store.chunk.ChunkEncoder;
import io.modelstash.store.chunk.ElementType;
import io.modelstash.store.chunk.EncodedChunk;
import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Encodes and writes the chunks of one put on a thread pool, at most a bounded number in flight so
 * memory stays bounded whatever the file size. Chunks the catalog already records are not written
 * again. Each new chunk is encoded with the smallest codec, a delta against the matching chunk of
 * the base version among the candidates; deltas always point at a standalone chunk (the base chunk
 * itself, or the standalone chunk the base chunk is a delta of), so a read needs at most two
 * chunks. Every chunk the put references is remembered for the commit.
 *
 * <p>Whether a chunk is new is asked of the catalog for a batch of chunks at a time, not for each
 * one: chunks wait in a small batch (growing to half the window) before they are handed to the
 * pool, so a remote catalog answers one query per batch instead of one transaction per chunk.
 */
final class ChunkWriter {
  private final BlobStore blobs;
  private final Catalog catalog;
  private final Map<Digest, ChunkInfo> known;
  private final int batch;
  private final List<Staged> staged = new ArrayList<>();
  // batches grow 1, 2, 4, … up to batch, so the pool gets its first chunk at once
  private int nextBatch = 1;
  private final ChunkReader reader;
  private final ExecutorService pool;
  private final ExecutorService io;
  private final Semaphore inFlight;
  private final List<Future<?>> pending = new ArrayList<>();
  private final Queue<Future<?>> writes = new ConcurrentLinkedQueue<>();
  private final Map<Digest, ChunkInfo> referenced = new ConcurrentHashMap<>();
  private final Map<Digest, Boolean> order = new LinkedHashMap<>();
  private final AtomicLong storedAdded = new AtomicLong();
  private final boolean history;

  /**
   * @param pool encodes chunks (CPU work)
   * @param io writes encoded chunks; larger than {@code pool}, so that waiting for the disk to make
   *     one chunk durable overlaps with encoding and with other chunks' writes
   * @param window chunks held in memory at most, being encoded or written
   * @param known chunk records already fetched (the base version's), looked up before the catalog
   * @param history whether the base version is the previous one of a history, so that a new
   *     keyframe can pay (see {@link #deltaBase})
   */
  ChunkWriter(
      BlobStore blobs,
      Catalog catalog,
      Map<Digest, ChunkInfo> known,
      ChunkReader reader,
      ExecutorService pool,
      ExecutorService io,
      int window,
      boolean history) {
    this.blobs = blobs;
    this.catalog = catalog;
    this.known = known;
    this.reader = reader;
    this.pool = pool;
    this.io = io;
    this.inFlight = new Semaphore(window);
    this.batch = Math.max(1, window / 2);
    this.history = history;
  }

  /** A chunk that holds a place in the window and waits for its batch's catalog lookup. */
  private record Staged(
      Digest id, byte[] raw, ElementType type, Optional<Manifest.ChunkRef> base) {}

  /**
   * Queues a chunk, optionally with the chunk of the base version it most likely resembles; returns
   * its id at once. The array becomes the writer's.
   */
  Digest submit(byte[] raw, ElementType type, Optional<Manifest.ChunkRef> base) throws IOException {
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
    staged.add(new Staged(id, raw, type, base));
    if (staged.size() >= nextBatch) {
      flush();
      nextBatch = Math.min(batch, 2 * nextBatch);
    }
    return id;
  }

  /**
   * Looks the staged chunks up in the catalog in one query (those the base's records do not cover)
   * and hands them to the pool; the window stays full enough that at most {@code batch} chunks ever
   * wait here.
   */
  private void flush() throws IOException {
    if (staged.isEmpty()) {
      return;
    }
    List<Staged> chunks = new ArrayList<>(staged);
    staged.clear();
    Map<Digest, ChunkInfo> records = new HashMap<>();
    try {
      List<Digest> unknown = new ArrayList<>();
      for (Staged c : chunks) {
        ChunkInfo k = known.get(c.id());
        if (k != null) {
          records.put(c.id(), k);
        } else {
          unknown.add(c.id());
        }
      }
      if (!unknown.isEmpty()) {
        records.putAll(catalog.liveChunkInfos(unknown));
      }
    } catch (IOException | RuntimeException e) {
      inFlight.release(chunks.size());
      throw e;
    }
    for (Staged c : chunks) {
      Optional<ChunkInfo> record = Optional.ofNullable(records.get(c.id()));
      pending.add(pool.submit(() -> encodeAndStore(c, record)));
    }
  }

  private Void encodeAndStore(Staged c, Optional<ChunkInfo> record) throws IOException {
    boolean handedOff = false;
    try {
      Optional<EncodedChunk> encoded = encodeIfNew(c.id(), c.raw(), c.type(), c.base(), record);
      if (encoded.isPresent()) {
        writes.add(
            io.submit(
                () -> {
                  try {
                    store(c.id(), encoded.get(), c.raw());
                  } finally {
                    inFlight.release();
                  }
                  return null;
                }));
        handedOff = true;
      }
    } finally {
      if (!handedOff) {
        inFlight.release();
      }
    }
    return null;
  }

  /** The chunk encoded, or empty when the store already holds it (then it is only referenced). */
  private Optional<EncodedChunk> encodeIfNew(
      Digest id,
      byte[] raw,
      ElementType type,
      Optional<Manifest.ChunkRef> base,
      Optional<ChunkInfo> record)
      throws IOException {
    if (record.isPresent() && blobs.exists(BlobKind.CHUNK, id)) {
      referenced.put(id, record.get());
      return Optional.empty();
    }
    return Optional.of(ChunkEncoder.encodeBest(id, raw, type, deltaBase(id, raw, type, base)));
  }

  private void store(Digest id, EncodedChunk encoded, byte[] raw) throws IOException {
    // only chunks the catalog has no live record of get here
    blobs.putNew(BlobKind.CHUNK, id, encoded.openStream(), encoded.objectLength());
    // the next version's deltas will likely want it: as their base if it is standalone, else as
    // the latest chunk of its base's that their keyframe choice compares against
    reader.remember(id, raw);
    storedAdded.addAndGet(encoded.objectLength());
    referenced.put(
        id,
        new ChunkInfo(
            id, encoded.objectLength(), encoded.rawLength(), encoded.codecId(), encoded.base()));
  }

  /**
   * The standalone chunk to delta against, if the base version has a usable one: of the same length
   * for floating-point data, of any length for other bytes (which the patch codec encodes). In a
   * history, when the base version's chunk is itself a delta against it, that chunk comes along as
   * the latest one (see {@link ChunkEncoder.Base#withLatest}), read from the cache of recent chunks
   * or decoded when the encoder asks for it.
   */
  private Optional<ChunkEncoder.Base> deltaBase(
      Digest id, byte[] raw, ElementType type, Optional<Manifest.ChunkRef> base)
      throws IOException {
    boolean sameLength = type.floating();
    if (base.isEmpty()
        || (sameLength && base.get().length() != raw.length)
        || base.get().id().equals(id)) {
      return Optional.empty();
    }
    Optional<ChunkInfo> record = lookUp(base.get().id());
    if (record.isEmpty()) {
      return Optional.empty();
    }
    Digest standalone = record.get().base().orElse(base.get().id());
    ChunkEncoder.Base chosen;
    try {
      byte[] bytes = reader.standalone(standalone);
      if (sameLength && bytes.length != raw.length) {
        return Optional.empty();
      }
      chosen = ChunkEncoder.Base.sharing(standalone, bytes);
    } catch (IOException e) {
      // a base that cannot be read is only a missed saving; the chunk is stored standalone
      return Optional.empty();
    }
    if (history && record.get().base().isPresent() && base.get().length() == raw.length) {
      Manifest.ChunkRef latest = base.get();
      chosen =
          chosen.withLatest(
              () -> {
                try {
                  return reader.recent(latest);
                } catch (IOException e) {
                  // without it the chunk is a delta against the base whenever that is smaller
                  return null;
                }
              });
    }
    return Optional.of(chosen);
  }

  /**
   * The live record of a chunk: from the records fetched with the base when it is there, else from
   * the catalog. A fetched record may since have been condemned by a gc sweep, as one looked up a
   * moment ago may; the commit's sweep fence refuses a version that uses a removed chunk either
   * way.
   */
  private Optional<ChunkInfo> lookUp(Digest id) throws IOException {
    ChunkInfo k = known.get(id);
    return k != null ? Optional.of(k) : catalog.chunkInfo(id).map(ChunkRecord::info);
  }

  /** Waits for every queued chunk to be encoded and written; rethrows the first failure. */
  void finish() throws IOException {
    IOException failure = null;
    try {
      flush();
    } catch (IOException e) {
      failure = e;
    }
    failure = await(pending, failure);
    pending.clear();
    failure = await(writes, failure);
    writes.clear();
    if (failure != null) {
      throw failure;
    }
  }

  private static IOException await(Iterable<Future<?>> futures, IOException failure)
      throws IOException {
    for (Future<?> f : futures) {
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
    return failure;
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
