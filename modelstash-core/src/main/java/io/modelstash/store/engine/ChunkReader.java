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
 */
public final class ChunkReader {
  private final BlobStore blobs;
  private final ChunkDecoder decoder;

  ChunkReader(BlobStore blobs, ChunkDecoder decoder) {
    this.blobs = blobs;
    this.decoder = decoder;
  }

  /** The raw bytes of a chunk, checked against its name and recorded length. */
  public byte[] read(Manifest.ChunkRef ref) throws IOException {
    byte[] raw = decoder.decode(blobs.get(BlobKind.CHUNK, ref.id()), ref.id(), this::standalone);
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

  /** What a stored chunk object says about itself (sizes, codec, base), from its checked header. */
  ChunkInfo describe(Digest id) throws IOException {
    byte[] object = blobs.get(BlobKind.CHUNK, id);
    ChunkHeader h = decoder.header(object, id);
    return new ChunkInfo(id, object.length, h.rawLength(), h.codecId(), h.base());
  }

  /** The raw bytes of a chunk that is not a delta (a delta's base). */
  byte[] standalone(Digest id) throws IOException {
    return decoder.decode(blobs.get(BlobKind.CHUNK, id), id);
  }
}
