package io.modelstash.store.query;

import io.modelstash.format.ByteSource;
import io.modelstash.store.engine.Engine;
import io.modelstash.store.name.Digest;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bytes made of chunk pieces, decoded on demand through {@link Engine#readChunk} and kept in a
 * small cache, so that sequential reads decode each chunk once and only the chunks a read touches
 * are read at all.
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
      dst.put(chunk(p), p.offset() + within, n);
      at += n;
      i++;
    }
  }

  private byte[] chunk(ChunkRange.Piece p) throws IOException {
    byte[] raw = cache.get(p.ref().id());
    if (raw == null) {
      raw = engine.readChunk(p.ref());
      cache.put(p.ref().id(), raw);
    }
    return raw;
  }

  @Override
  public void close() {}
}
