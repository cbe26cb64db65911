package io.modelstash.store.chunk;

import com.github.luben.zstd.ZstdCompressCtx;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Working memory that one encode or decode of a grouped payload borrows and gives back: the grouped
 * streams, the payload being built, rANS's backwards buffer and decoding tables, and a zstd
 * context. Allocating and zeroing these for every chunk (about 3 MiB per 1 MiB chunk) and setting
 * up a zstd context each time took about 6% of a put's encoding time and 3% of a get's decoding
 * time.
 *
 * <p>At most one per processor is kept between uses, and arrays over {@link #KEEP_BYTES} are
 * dropped on return, so what stays allocated is a few MiB per core. A zstd context holds native
 * memory that only {@code close} frees, so a context that is not kept is closed.
 */
final class Scratch implements AutoCloseable {
  private static final int KEPT = Math.max(2, Runtime.getRuntime().availableProcessors());

  /** Arrays larger than this (chunks far beyond the usual 1 MiB) are not kept. */
  static final int KEEP_BYTES = 8 << 20;

  private static final byte[] NONE = new byte[0];
  private static final Deque<Scratch> FREE = new ArrayDeque<>(); // guarded by itself

  private ZstdCompressCtx zstd;
  private byte[] grouped = NONE;
  private byte[] payload = NONE;
  private byte[] coded = NONE;
  private byte[] symbolAt;
  private int[] stepAt;

  private Scratch() {}

  /** A scratch for this thread's use until {@link #close}. */
  static Scratch borrow() {
    synchronized (FREE) {
      Scratch s = FREE.pollFirst();
      if (s != null) {
        return s;
      }
    }
    return new Scratch();
  }

  /** Gives this scratch back; it must not be used afterwards. */
  @Override
  public void close() {
    grouped = trim(grouped);
    payload = trim(payload);
    coded = trim(coded);
    synchronized (FREE) {
      if (FREE.size() < KEPT) {
        FREE.addFirst(this);
        return;
      }
    }
    if (zstd != null) {
      zstd.close();
    }
  }

  private static byte[] trim(byte[] b) {
    return b.length > KEEP_BYTES ? NONE : b;
  }

  /** The zstd context for grouped streams (settings in {@link GroupedPayload}). */
  ZstdCompressCtx zstd() {
    if (zstd == null) {
      zstd = GroupedPayload.streamContext();
    }
    return zstd;
  }

  /** At least {@code n} bytes for the grouped streams; contents undefined. */
  byte[] grouped(int n) {
    if (grouped.length < n) {
      grouped = new byte[n];
    }
    return grouped;
  }

  /** At least {@code n} bytes for a payload being built; contents undefined. */
  byte[] payload(int n) {
    if (payload.length < n) {
      payload = new byte[n];
    }
    return payload;
  }

  /** At least {@code n} bytes for rANS's output, which it writes backwards; contents undefined. */
  byte[] coded(int n) {
    if (coded.length < n) {
      coded = new byte[n];
    }
    return coded;
  }

  /** rANS's decoding table of symbols by slot ({@link Rans#SCALE} entries); contents undefined. */
  byte[] symbolAt() {
    if (symbolAt == null) {
      symbolAt = new byte[Rans.SCALE];
    }
    return symbolAt;
  }

  /** rANS's decoding table of state updates by slot; contents undefined. */
  int[] stepAt() {
    if (stepAt == null) {
      stepAt = new int[Rans.SCALE];
    }
    return stepAt;
  }
}
