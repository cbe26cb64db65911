package io.modelstash.store.chunk;

import io.modelstash.store.name.Digest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/** Frames raw chunk bytes as a chunk object (layout in {@code package-info}). Stateless. */
public final class ChunkEncoder {

  private ChunkEncoder() {}

  /**
   * A base chunk to delta-encode against: the same tensor's chunk in an earlier version, with the
   * same length and element type, or for other bytes the same stretch of an earlier version's.
   */
  public static final class Base {
    private final Digest id;
    private final byte[] raw;
    private final boolean standalone;
    private final Supplier<byte[]> latest;

    /**
     * @param id the SHA-256 of {@code raw}, i.e. the base chunk's name
     * @param raw the base chunk's raw bytes (copied)
     * @param standalone whether the base chunk is stored standalone (not as a delta itself); delta
     *     depth is at most 1, so the encoders refuse a base that is not
     */
    public Base(Digest id, byte[] raw, boolean standalone) {
      this(id, raw, standalone, true);
    }

    private Base(Digest id, byte[] raw, boolean standalone, boolean copy) {
      this(id, copy ? raw.clone() : raw, standalone, null);
    }

    private Base(Digest id, byte[] raw, boolean standalone, Supplier<byte[]> latest) {
      this.id = Objects.requireNonNull(id, "id");
      this.raw = raw;
      this.standalone = standalone;
      this.latest = latest;
    }

    /** A base named by the SHA-256 of {@code raw}. */
    public static Base of(byte[] raw, boolean standalone) {
      return new Base(Digest.of(raw), raw, standalone);
    }

    /**
     * A standalone base that uses {@code raw} as it is, without a copy: for bytes that are never
     * modified, such as the decoded chunks a store keeps. Saves a chunk-sized copy per delta.
     */
    public static Base sharing(Digest id, byte[] raw) {
      return new Base(id, raw, true, false);
    }

    /**
     * This base, together with where to get the raw bytes of the latest chunk stored as a delta
     * against it at the same place (the base version's own chunk, when that is a delta). The
     * encoder asks only when a new keyframe could pay, at most once, and uses the bytes as they are
     * without a copy; null means they are not to be had. When the new chunk is much closer to that
     * chunk than to this base, the encoder stores it standalone instead, as a new base for the
     * versions that follow: see {@link #encodeBest}.
     */
    public Base withLatest(Supplier<byte[]> latest) {
      return new Base(id, raw, standalone, Objects.requireNonNull(latest, "latest"));
    }

    /** The base chunk's name. */
    public Digest id() {
      return id;
    }

    /** A copy of the base's raw bytes. */
    public byte[] raw() {
      return raw.clone();
    }

    /** Whether the base chunk is stored standalone. */
    public boolean standalone() {
      return standalone;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Base
          && ((Base) o).id.equals(id)
          && ((Base) o).standalone == standalone
          && Arrays.equals(((Base) o).raw, raw);
    }

    @Override
    public int hashCode() {
      return id.hashCode() * 31 + Boolean.hashCode(standalone);
    }

    @Override
    public String toString() {
      return "Base[" + id + ", " + raw.length + " bytes" + (standalone ? "" : ", a delta") + "]";
    }
  }

  /**
   * Encodes {@code raw} with {@code codec}, or stores it unencoded when the codec's payload is not
   * smaller than {@code raw}. Names the chunk by the SHA-256 of {@code raw}.
   *
   * @throws IllegalArgumentException if {@code raw} is longer than {@link
   *     ChunkFormat#MAX_RAW_LENGTH}
   */
  public static EncodedChunk encode(byte[] raw, ChunkCodec codec) {
    checkLength(raw);
    Digest id = Digest.of(raw);
    ChunkCodec used = codec;
    byte[] payload = codec.id() == StoredCodec.ID ? raw : codec.encode(raw);
    if (payload.length >= raw.length) {
      used = StoredCodec.INSTANCE;
      payload = raw;
    }
    return frame(id, used.id(), raw.length, payload, Optional.empty());
  }

  /**
   * Encodes {@code raw} as a delta against {@code base} with {@code codec}, or stores it unencoded
   * (with no base) when the delta and the base digest it needs are not smaller than {@code raw}.
   *
   * @throws IllegalArgumentException if {@code raw} is too long, the codec does not accept a base
   *     of that length, or the base is not {@linkplain Base#standalone() standalone}
   */
  public static EncodedChunk encodeDelta(byte[] raw, DeltaCodec codec, Base base) {
    checkLength(raw);
    // each codec checks the base's length itself: the grouped deltas need the same, patch not
    checkBase(raw, base, false);
    byte[] payload = codec.encode(raw, base.raw);
    Digest id = Digest.of(raw);
    if (payload.length + Digest.BYTES >= raw.length) {
      return frame(id, StoredCodec.ID, raw.length, raw, Optional.empty());
    }
    return frame(id, codec.id(), raw.length, payload, Optional.of(base.id()));
  }

  /**
   * Encodes {@code raw} with whichever codec makes it smallest among plain zstd, byte grouping
   * (floating-point types only) and, when a base is given, the deltas against it (each charged the
   * 32 bytes of the base digest it adds to the header): XOR and subtract for a base of the same
   * length (for opaque bytes also in 4-byte units, for the small float tensors among them), and for
   * types that are not floating point zstd with the base as dictionary ({@link PatchCodec}); stores
   * it unencoded if none makes it smaller. A chunk refers to the base only if a delta was chosen.
   *
   * <p>To keep ingest fast, large chunks are not encoded every way: each candidate encodes an
   * evenly spread sample of the chunk, and only the best encodes the whole chunk. The result may
   * thus be slightly larger than the best possible, never incorrect.
   *
   * <p>A base {@linkplain Base#withLatest with the latest delta against it} may make the encoder
   * store the chunk standalone although a delta would be smaller: when a delta against that latest
   * chunk would save enough over the delta against the base to repay, within {@link
   * CodecSelector#KEYFRAME_PAYBACK} versions, what storing this chunk standalone costs now. Deltas
   * are only ever against standalone chunks, so a history whose deltas have drifted far from their
   * base (a learning rate that dropped, a run that settled) starts a new base this way instead of
   * paying the old distance for every later version. The caller gives the latest chunk only where
   * the next version will delta against this one: in a history, not among fine-tunes of one base.
   *
   * @param type what the bytes hold; it only steers the choice
   * @param base a standalone base chunk, if a delta is allowed: of the same length for a
   *     floating-point type, of any length otherwise
   * @throws IllegalArgumentException if {@code raw} is too long, or the base is not standalone or
   *     (for a floating-point type) has another length
   */
  public static EncodedChunk encodeBest(byte[] raw, ElementType type, Optional<Base> base) {
    return encodeBest(Digest.of(raw), raw, type, base);
  }

  /**
   * {@link #encodeBest(byte[], ElementType, Optional)} for a chunk whose name the caller already
   * computed: {@code id} must be the SHA-256 of {@code raw}.
   */
  public static EncodedChunk encodeBest(
      Digest id, byte[] raw, ElementType type, Optional<Base> base) {
    checkLength(raw);
    base.ifPresent(b -> checkBase(raw, b, type.floating()));
    CodecSelector.Choice c =
        CodecSelector.choose(
            raw, type, base.map(b -> b.raw).orElse(null), base.map(b -> b.latest).orElse(null));
    if (c.cost() >= raw.length) {
      return frame(id, StoredCodec.ID, raw.length, raw, Optional.empty());
    }
    Optional<Digest> baseId = c.delta() ? Optional.of(base.orElseThrow().id()) : Optional.empty();
    return frame(id, c.codecId(), raw.length, c.payload(), baseId);
  }

  private static void checkLength(byte[] raw) {
    if (raw.length > ChunkFormat.MAX_RAW_LENGTH) {
      throw new IllegalArgumentException(
          "Cannot encode a chunk of "
              + raw.length
              + " bytes: at most "
              + ChunkFormat.MAX_RAW_LENGTH
              + " are allowed (use smaller chunks)");
    }
  }

  private static void checkBase(byte[] raw, Base base, boolean sameLength) {
    if (!base.standalone()) {
      throw new IllegalArgumentException(
          "Cannot delta-encode against chunk "
              + base.id()
              + ": it is itself stored as a delta (delta depth is at most 1; use its base or no"
              + " base)");
    }
    if (sameLength && base.raw.length != raw.length) {
      throw new IllegalArgumentException(
          "Cannot delta-encode a chunk of "
              + raw.length
              + " bytes against chunk "
              + base.id()
              + " of "
              + base.raw.length
              + " bytes (a base must have the same length)");
    }
  }

  private static EncodedChunk frame(
      Digest id, int codecId, int rawLength, byte[] payload, Optional<Digest> base) {
    int header = ChunkFormat.HEADER_LENGTH + (base.isPresent() ? Digest.BYTES : 0);
    int total = header + payload.length + ChunkFormat.FOOTER_LENGTH;
    ByteBuffer out = ByteBuffer.allocate(total);
    out.putInt(ChunkFormat.MAGIC);
    out.put((byte) ChunkFormat.VERSION);
    out.put((byte) codecId);
    out.put((byte) (base.isPresent() ? ChunkFormat.FLAG_BASE : 0));
    out.putLong(rawLength);
    out.putLong(payload.length);
    base.ifPresent(b -> out.put(b.toBytes()));
    out.put(payload);
    CRC32C crc = new CRC32C();
    crc.update(out.array(), 0, out.position());
    out.putInt((int) crc.getValue());
    return new EncodedChunk(id, codecId, rawLength, base, out.array());
  }
}
