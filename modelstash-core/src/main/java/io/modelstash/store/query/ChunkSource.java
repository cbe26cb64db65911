package io.modelstash.store.query;

import io.modelstash.format.ByteSource;
import io.modelstash.store.engine.Decoding;
import io.modelstash.store.engine.Engine;
import io.modelstash.store.name.Digest;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bytes made of chunk pieces, decoded on demand and kept in a small cache, so that sequential reads
 * decode each chunk once and only the chunks a read touches are read at all. A read also starts
 * decoding the pieces after the one it needs, as many as the engine reads ahead, so that a
 * sequential reader (a tensor written out whole) keeps every core busy; pieces it then does not
 * reach are dropped.
 */
final class ChunkSource implements ByteSource {
  private static final int CACHED_CHUNKS = 8;

  private final Engine engine;
  private final List<ChunkRange.Piece> pieces;
  private final long[] starts;
  private final long size;
  private final Map<Digest, byte[]> cache =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Digest, byte[]> eldest) {
          return size() > CACHED_CHUNKS;
        }
      };

  /** Pieces being decoded ahead of the reader, by index. */
  private final TreeMap<Integer, Decoding> ahead = new TreeMap<>();

  ChunkSource(Engine engine, List<ChunkRange.Piece> pieces) {
    this.engine = engine;
    this.pieces = List.copyOf(pieces);
    this.starts = new long[pieces.size()];
    long n = 0;
    for (int i = 0; i < pieces.size(); i++) {
      starts[i] = n;
      n += pieces.get(i).length();
    }
    this.size = n;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public synchronized void readFully(long position, ByteBuffer dst) throws IOException {
    if (position < 0 || position + dst.remaining() > size) {
      throw new EOFException(
          "Cannot read " + dst.remaining() + " bytes at " + position + " of " + size);
    }
    int i = java.util.Arrays.binarySearch(starts, position);
    if (i < 0) {
      i = -i - 2;
    }
    long at = position;
    while (dst.hasRemaining()) {
      ChunkRange.Piece p = pieces.get(i);
      int within = (int) (at - starts[i]);
      int n = Math.min(dst.remaining(), p.length() - within);
      dst.put(chunk(i), p.offset() + within, n);
      at += n;
      i++;
    }
  }

  private byte[] chunk(int i) throws IOException {
    Digest id = pieces.get(i).ref().id();
    byte[] raw = cache.get(id);
    if (raw != null) {
      return raw;
    }
    int end = Math.min(pieces.size(), i + engine.readAhead());
    // what was started for pieces outside [i, end) is not where the reader is going
    dropAhead(ahead.headMap(i, false));
    dropAhead(ahead.tailMap(end, true));
    for (int j = i; j < end; j++) {
      if (!ahead.containsKey(j) && !cache.containsKey(pieces.get(j).ref().id())) {
        ahead.put(j, engine.startReading(pieces.get(j).ref()));
      }
    }
    // piece i was started above unless already under way: it is not in the cache
    raw = ahead.remove(i).get();
    cache.put(id, raw);
    return raw;
  }

  private static void dropAhead(Map<Integer, Decoding> stale) {
    for (Decoding d : stale.values()) {
      d.cancel();
    }
    stale.clear();
  }

  @Override
  public synchronized void close() {
    dropAhead(ahead);
  }
}
