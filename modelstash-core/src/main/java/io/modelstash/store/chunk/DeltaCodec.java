package io.modelstash.store.chunk;

import io.modelstash.store.blob.CorruptObjectException;

/**
 * Turns the raw bytes of one chunk into a payload relative to a base chunk (the same tensor's chunk
 * in an earlier version, or the same stretch of its opaque bytes), and back given that base. The
 * chunk object records the base's name; decoding fetches the base's raw bytes through a {@link
 * BaseLoader}.
 *
 * <p>Every implementation guarantees what {@link ChunkCodec} guarantees, with the base as an extra
 * input: {@code decode(encode(raw, base), base, raw.length)} equals {@code raw} for every {@code
 * raw} and every {@code base} it accepts (the grouped deltas pair units one for one and take a base
 * of the same length only; {@link PatchCodec} takes any); {@code decode} never returns an array of
 * another length and throws {@link CorruptObjectException} on malformed input or a base it does not
 * accept; neither method modifies its inputs; both are stateless and thread-safe. Ids share one
 * space with {@link ChunkCodec} ids.
 */
public interface DeltaCodec {

  /** The id written into chunk objects, 0 to 255, unique among all codecs. */
  int id();

  /** A short lowercase name for messages and statistics, e.g. {@code xor}. */
  String name();

  /**
   * Encodes {@code raw} against {@code base}.
   *
   * @throws IllegalArgumentException if the codec does not accept a base of that length
   */
  byte[] encode(byte[] raw, byte[] base);

  /**
   * Decodes a payload produced by {@link #encode} against the same base.
   *
   * @throws CorruptObjectException if the payload is malformed, {@code base} is not {@code
   *     rawLength} bytes long, or the result would not be exactly {@code rawLength} bytes
   */
  byte[] decode(byte[] payload, byte[] base, int rawLength) throws CorruptObjectException;
}
