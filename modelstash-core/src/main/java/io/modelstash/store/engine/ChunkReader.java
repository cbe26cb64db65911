package io.modelstash.store.engine;

import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.chunk.ChunkDecoder;
import io.modelstash.store.chunk.ChunkHeader;
import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.name.Digest;
import java.io.IOException;

/**
 * The one place chunks are read and decoded: a chunk's SHA-256 is always checked, and a delta chunk
 * is decoded against its standalone base, fetched the same way.
 *
 * <p>Standalone chunks, the bases of deltas, are kept decoded in a small least-recently-used cache
 * ({@link DecodedChunks}) for the life of the store, or of the process where it is shared:
 * consecutive versions of a path delta against the same bases, so a process that reads or writes
 * several versions (import, export, a series of puts, verify, migrate) decodes each base once
 * instead of once per version. Chunks just written are kept there too, deltas included, since the
 * next version's put compares against them. A cached chunk was checked when it was decoded; {@link
 * #check} bypasses the cache for verification. Arrays returned may be shared and must not be
 * modified.
 */
public final class ChunkReader {
  private final BlobStore blobs;
  private final ChunkDecoder decoder;
  private final DecodedChunks.View bases;

  ChunkReader(BlobStore blobs, ChunkDecoder decoder) {
    // a blob store describes where it keeps its objects (folder, or bucket, prefix and endpoint);
    // one without such a description has its own entries
    this(blobs, decoder, DecodedChunks.forStore(blobs.toString()));
  }

  ChunkReader(BlobStore blobs, ChunkDecoder decoder, DecodedChunks.View bases) {
    this.blobs = blobs;
    this.decoder = decoder;
    this.bases = bases;
  }

  /**
   * The raw bytes of a chunk, checked against its name and recorded length. The chunk's own object
   * is always read, so a missing or damaged one is always noticed; only a delta's base may come
   * from the cache.
   */
  public byte[] read(Manifest.ChunkRef ref) throws IOException {
    return decode(ref, fetch(ref));
  }

  /** The stored object of a chunk, unchecked: the I/O half of {@link #read}. */
  byte[] fetch(Manifest.ChunkRef ref) throws IOException {
    return blobs.get(BlobKind.CHUNK, ref.id());
  }

  /**
   * The raw bytes of a chunk from its stored {@code object}: the computing half of {@link #read}.
   */
  byte[] decode(Manifest.ChunkRef ref, byte[] object) throws IOException {
    boolean[] delta = {false};
    byte[] raw =
        decoder.decode(
            object,
            ref.id(),
            base -> {
              delta[0] = true;
              return standalone(base);
            });
    // a chunk decoded without asking for a base is standalone, a likely base itself; asking the
    // header again would checksum the whole object a second time
    if (!delta[0]) {
      remember(ref.id(), raw);
    }
    return checkLength(ref, raw);
  }

  private static byte[] checkLength(Manifest.ChunkRef ref, byte[] raw)
      throws CorruptObjectException {
    if (raw.length != ref.length()) {
      throw new CorruptObjectException(
          "Chunk "
              + ref.id().hex()
              + " is corrupt: expected "
              + ref.length()
              + " bytes, actual "
              + raw.length);
    }
    return raw;
  }

  /**
   * Like {@link #read}, but reads and checks the stored objects every time, the chunk's and its
   * base's, never a cached copy: what verification needs.
   */
  byte[] check(Manifest.ChunkRef ref) throws IOException {
    byte[] raw =
        decoder.decode(
            blobs.get(BlobKind.CHUNK, ref.id()),
            ref.id(),
            base -> decoder.decode(blobs.get(BlobKind.CHUNK, base), base));
    return checkLength(ref, raw);
  }

  /** What a stored chunk object says about itself (sizes, codec, base), from its checked header. */
  ChunkInfo describe(Digest id) throws IOException {
    byte[] object = blobs.get(BlobKind.CHUNK, id);
    ChunkHeader h = decoder.header(object, id);
    return new ChunkInfo(id, object.length, h.rawLength(), h.codecId(), h.base());
  }

  /** The raw bytes of a chunk that is not a delta (a delta's base). */
  byte[] standalone(Digest id) throws IOException {
    byte[] hit = bases.get(id);
    if (hit != null) {
      return hit;
    }
    byte[] raw = decoder.decode(blobs.get(BlobKind.CHUNK, id), id);
    remember(id, raw);
    return raw;
  }

  /**
   * The raw bytes of a chunk that was recently written or read, from the cache, else as {@link
   * #read} gives them (and not cached then).
   */
  byte[] recent(Manifest.ChunkRef ref) throws IOException {
    byte[] hit = bases.get(ref.id());
    return hit != null ? checkLength(ref, hit) : read(ref);
  }

  /**
   * Keeps the raw bytes of a chunk that was just written: the likely base of the next version's
   * deltas if it is standalone, else what the next version's keyframe choice compares against. The
   * caller must not modify {@code raw} afterwards.
   */
  void remember(Digest id, byte[] raw) {
    bases.put(id, raw);
  }
}
