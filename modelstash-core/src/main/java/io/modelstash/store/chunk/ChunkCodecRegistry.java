package io.modelstash.store.chunk;

import java.util.Collection;
import java.util.Collections;
import java.util.Optional;
import java.util.TreeMap;

/** An immutable set of codecs, looked up by the id a chunk object names. */
public final class ChunkCodecRegistry {

  private static final ChunkCodecRegistry STANDARD =
      new ChunkCodecRegistry(new TreeMap<>()).with(StoredCodec.INSTANCE).with(new ZstdCodec());

  private final TreeMap<Integer, ChunkCodec> byId;

  private ChunkCodecRegistry(TreeMap<Integer, ChunkCodec> byId) {
    this.byId = byId;
  }

  /** The codecs every modelstash can read: stored and zstd. */
  public static ChunkCodecRegistry standard() {
    return STANDARD;
  }

  /** A registry with {@code codec} added, replacing any codec with the same id. */
  public ChunkCodecRegistry with(ChunkCodec codec) {
    if (codec.id() < 0 || codec.id() > 255) {
      throw new IllegalArgumentException("Codec id " + codec.id() + " is not in 0..255");
    }
    TreeMap<Integer, ChunkCodec> copy = new TreeMap<>(byId);
    copy.put(codec.id(), codec);
    return new ChunkCodecRegistry(copy);
  }

  /** The codec with this id, if registered. */
  public Optional<ChunkCodec> byId(int id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** All codecs, by id. */
  public Collection<ChunkCodec> codecs() {
    return Collections.unmodifiableCollection(byId.values());
  }
}
