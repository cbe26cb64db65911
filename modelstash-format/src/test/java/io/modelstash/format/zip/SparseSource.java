package io.modelstash.format.zip;

import io.modelstash.format.ByteSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/** A large virtual file: a few byte segments at given offsets, zeros everywhere else. */
final class SparseSource implements ByteSource {
  private static final byte[] ZEROS = new byte[64 * 1024];
  private final long size;
  private final TreeMap<Long, byte[]> segments = new TreeMap<>();

  SparseSource(long size) {
    this.size = size;
  }

  SparseSource put(long offset, byte[] bytes) {
    segments.put(offset, bytes);
    return this;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    checkRange(position, dst.remaining());
    long end = position + dst.remaining();
    int base = dst.position();
    int length = dst.remaining();
    ByteBuffer zeros = dst.duplicate();
    while (zeros.hasRemaining()) {
      zeros.put(ZEROS, 0, Math.min(ZEROS.length, zeros.remaining()));
    }
    Long from = segments.floorKey(position);
    Map<Long, byte[]> relevant = segments.subMap(from != null ? from : position, true, end, false);
    for (Map.Entry<Long, byte[]> s : relevant.entrySet()) {
      long segStart = s.getKey();
      byte[] bytes = s.getValue();
      long lo = Math.max(segStart, position);
      long hi = Math.min(segStart + bytes.length, end);
      if (lo < hi) {
        dst.put(base + (int) (lo - position), bytes, (int) (lo - segStart), (int) (hi - lo));
      }
    }
    dst.position(base + length);
  }

  @Override
  public void close() {}
}
