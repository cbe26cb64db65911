package io.modelstash.store.chunk;

import io.modelstash.store.blob.CorruptObjectException;

/** Codec 0: the payload is the raw bytes unchanged. Used when compression does not help. */
public final class StoredCodec implements ChunkCodec {

  /** This codec's id. */
  public static final int ID = ChunkFormat.CODEC_STORED;

  /** The one instance. */
  public static final StoredCodec INSTANCE = new StoredCodec();

  private StoredCodec() {}

  @Override
  public int id() {
    return ID;
  }

  @Override
  public String name() {
    return "stored";
  }

  @Override
  public byte[] encode(byte[] raw) {
    return raw.clone();
  }

  @Override
  public byte[] decode(byte[] payload, int rawLength) throws CorruptObjectException {
    if (payload.length != rawLength) {
      throw new CorruptObjectException(
          "stored payload has " + payload.length + " bytes, expected " + rawLength);
    }
    return payload.clone();
  }
}
