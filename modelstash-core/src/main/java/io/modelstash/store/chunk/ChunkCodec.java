package io.modelstash.store.chunk;

import io.modelstash.store.blob.CorruptObjectException;

/**
 * Turns the raw bytes of one chunk into a payload and back. The codec is chosen per chunk and its
 * {@link #id} is written into the chunk object, so a store can mix codecs freely.
 *
 * <p>Every implementation guarantees:
 *
 * <ul>
 *   <li>{@code decode(encode(raw), raw.length)} returns bytes equal to {@code raw}, for every
 *       {@code raw} up to {@link ChunkFormat#MAX_RAW_LENGTH} bytes, including empty.
 *   <li>It is stateless and thread-safe: the output depends only on the input and the codec's
 *       configuration, and any thread may call it at any time.
 *   <li>{@code decode} never returns an array whose length is not {@code rawLength}, and on
 *       malformed input throws {@link CorruptObjectException} (never another exception). It need
 *       not detect every corruption: the chunk object's CRC-32C and SHA-256 do that.
 *   <li>{@code decode} allocates at most about twice {@code rawLength} bytes beyond its input (a
 *       byte-grouped payload needs its streams and the result at once).
 *   <li>Ids are stable forever: a new codec takes a new id, never a used one.
 * </ul>
 *
 * <p>Register codecs in a {@link ChunkCodecRegistry} so readers can find them by id.
 */
public interface ChunkCodec {

  /** The id written into chunk objects, 0 to 255, unique among codecs. */
  int id();

  /** A short lowercase name for messages and statistics, e.g. {@code zstd}. */
  String name();

  /** Encodes {@code raw}; does not modify it. */
  byte[] encode(byte[] raw);

  /**
   * Decodes a payload produced by {@link #encode}.
   *
   * @param rawLength the length the result must have, 0 to {@link ChunkFormat#MAX_RAW_LENGTH}
   * @throws CorruptObjectException if the payload is malformed or does not decode to exactly {@code
   *     rawLength} bytes; the message need not name the chunk (the caller adds that)
   */
  byte[] decode(byte[] payload, int rawLength) throws CorruptObjectException;
}
