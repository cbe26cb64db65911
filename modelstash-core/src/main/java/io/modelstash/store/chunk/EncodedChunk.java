package io.modelstash.store.chunk;

import io.modelstash.store.name.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * A chunk framed as a self-describing object, ready for a blob store. Immutable: the object bytes
 * are only handed out as a stream or a copy.
 */
public final class EncodedChunk {

  private final Digest id;
  private final int codecId;
  private final int rawLength;
  private final Optional<Digest> base;
  private final byte[] object;

  EncodedChunk(Digest id, int codecId, int rawLength, Optional<Digest> base, byte[] object) {
    this.id = id;
    this.codecId = codecId;
    this.rawLength = rawLength;
    this.base = base;
    this.object = object;
  }

  /** The chunk's name: the SHA-256 of its raw bytes. */
  public Digest id() {
    return id;
  }

  /** The codec that encoded the payload. */
  public int codecId() {
    return codecId;
  }

  /**
   * The base chunk this chunk is a delta against, if it is one. Reading this chunk needs the base,
   * so a store must keep the base as long as this chunk is kept.
   */
  public Optional<Digest> base() {
    return base;
  }

  /** Length of the raw bytes. */
  public int rawLength() {
    return rawLength;
  }

  /** Length of the whole object (header, payload and footer): what the store keeps. */
  public int objectLength() {
    return object.length;
  }

  /** A stream over the object bytes. */
  public InputStream openStream() {
    return new ByteArrayInputStream(object);
  }

  /** Writes the object bytes to {@code out}. */
  public void writeTo(OutputStream out) throws IOException {
    out.write(object);
  }

  /** A copy of the object bytes. */
  public byte[] toByteArray() {
    return object.clone();
  }

  @Override
  public String toString() {
    return "EncodedChunk["
        + id
        + ", codec "
        + codecId
        + base.map(b -> " against " + b).orElse("")
        + ", "
        + rawLength
        + " -> "
        + object.length
        + " bytes]";
  }
}
