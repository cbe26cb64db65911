package io.modelstash.store.engine;

import io.modelstash.store.name.Digest;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Raw bytes of recent chunks, least recently used first out, within a byte budget: standalone
 * chunks, the bases of deltas, and the chunks last written, which the next version compares
 * against. A chunk is named by the SHA-256 of its raw bytes and only ever entered with bytes that
 * were checked against (or hashed into) its name, so an entry stays right for as long as it is
 * kept, in any store.
 *
 * <p>By default each open store has its own, for its lifetime. A long-lived process that opens
 * store after store (the CLI's daemon) calls {@link #share} once, so the next command finds the
 * bases the previous one wrote or read: a put's deltas are against the version put just before.
 * Entries stay per store even then, so a store's own objects are what its reads and deltas rest on,
 * never another store's. Arrays are shared and must not be modified.
 */
public final class DecodedChunks {
  /** One store's entries: {@code store} names it (its blob store's description). */
  record View(DecodedChunks cache, String store) {
    byte[] get(Digest id) {
      return cache.get(new Key(store, id));
    }

    /** Keeps {@code raw}, the bytes named {@code id}; the caller must not modify them later. */
    void put(Digest id, byte[] raw) {
      cache.put(new Key(store, id), raw);
    }
  }

  private record Key(String store, Digest id) {}

  /** A store's own cache: {@link #DEFAULT_BYTES}, or an eighth of the heap if that is less. */
  static final long DEFAULT_BYTES = 64L << 20;

  private static volatile DecodedChunks shared;

  private final long budget;
  private final Map<Key, byte[]> entries = new LinkedHashMap<>(64, 0.75f, true);
  private long cached;

  DecodedChunks(long budget) {
    this.budget = budget;
  }

  /** From now on, every store opened in this process uses one cache of {@code bytes}. */
  public static void share(long bytes) {
    shared = new DecodedChunks(bytes);
  }

  /** Empties the shared cache, if there is one (an idle process gives its memory back). */
  public static void clearShared() {
    DecodedChunks s = shared;
    if (s != null) {
      s.clear();
    }
  }

  /** The cache a newly opened store uses; {@code store} names it, e.g. its blob store. */
  static View forStore(String store) {
    DecodedChunks s = shared;
    return new View(
        s != null
            ? s
            : new DecodedChunks(Math.min(DEFAULT_BYTES, Runtime.getRuntime().maxMemory() / 8)),
        store);
  }

  private byte[] get(Key id) {
    synchronized (entries) {
      return entries.get(id);
    }
  }

  private void put(Key id, byte[] raw) {
    if (raw.length > budget) {
      return;
    }
    synchronized (entries) {
      byte[] old = entries.put(id, raw);
      cached += raw.length - (old == null ? 0 : old.length);
      Iterator<byte[]> eldest = entries.values().iterator();
      while (cached > budget) {
        cached -= eldest.next().length;
        eldest.remove();
      }
    }
  }

  void clear() {
    synchronized (entries) {
      entries.clear();
      cached = 0;
    }
  }
}
