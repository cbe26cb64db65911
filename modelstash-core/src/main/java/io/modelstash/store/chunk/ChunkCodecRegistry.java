package io.modelstash.store.chunk;

import java.util.Collection;
import java.util.Collections;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable set of codecs, looked up by the id a chunk object names. Plain codecs ({@link
 * ChunkCodec}) and delta codecs ({@link DeltaCodec}) share one id space: adding either replaces
 * whatever had its id.
 */
public final class ChunkCodecRegistry {

  private static final ChunkCodecRegistry STANDARD =
      new ChunkCodecRegistry(new TreeMap<>(), new TreeMap<>())
          .with(StoredCodec.INSTANCE)
          .with(new ZstdCodec())
          .with(new ByteGroupingCodec(ElementType.FLOAT32))
          .with(new XorDeltaCodec(ElementType.FLOAT32))
          .with(new SubtractDeltaCodec(ElementType.FLOAT32))
          .with(new PatchCodec())
          .with(new MagnitudeDeltaCodec(ElementType.FLOAT32));

  private final TreeMap<Integer, ChunkCodec> byId;
  private final TreeMap<Integer, DeltaCodec> deltaById;

  private ChunkCodecRegistry(
      TreeMap<Integer, ChunkCodec> byId, TreeMap<Integer, DeltaCodec> deltaById) {
    this.byId = byId;
    this.deltaById = deltaById;
  }

  /**
   * The codecs every modelstash can read: stored, zstd, byte grouping, XOR delta, subtract delta
   * and patch. Each reads any payload of its id whatever element type the writer configured.
   */
  public static ChunkCodecRegistry standard() {
    return STANDARD;
  }

  /** A registry with {@code codec} added, replacing any codec with the same id. */
  public ChunkCodecRegistry with(ChunkCodec codec) {
    checkId(codec.id());
    TreeMap<Integer, ChunkCodec> copy = new TreeMap<>(byId);
    TreeMap<Integer, DeltaCodec> deltas = new TreeMap<>(deltaById);
    copy.put(codec.id(), codec);
    deltas.remove(codec.id());
    return new ChunkCodecRegistry(copy, deltas);
  }

  /** A registry with {@code codec} added, replacing any codec with the same id. */
  public ChunkCodecRegistry with(DeltaCodec codec) {
    checkId(codec.id());
    TreeMap<Integer, ChunkCodec> copy = new TreeMap<>(byId);
    TreeMap<Integer, DeltaCodec> deltas = new TreeMap<>(deltaById);
    copy.remove(codec.id());
    deltas.put(codec.id(), codec);
    return new ChunkCodecRegistry(copy, deltas);
  }

  private static void checkId(int id) {
    if (id < 0 || id > 255) {
      throw new IllegalArgumentException("Codec id " + id + " is not in 0..255");
    }
  }

  /** The plain codec with this id, if registered. */
  public Optional<ChunkCodec> byId(int id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** The delta codec with this id, if registered. */
  public Optional<DeltaCodec> deltaById(int id) {
    return Optional.ofNullable(deltaById.get(id));
  }

  /** All plain codecs, by id. */
  public Collection<ChunkCodec> codecs() {
    return Collections.unmodifiableCollection(byId.values());
  }

  /** All delta codecs, by id. */
  public Collection<DeltaCodec> deltaCodecs() {
    return Collections.unmodifiableCollection(deltaById.values());
  }
}
