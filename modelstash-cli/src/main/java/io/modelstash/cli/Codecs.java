package io.modelstash.cli;

import io.modelstash.store.chunk.ChunkCodecRegistry;

/** Names of chunk codecs for listings. */
final class Codecs {
  private static final ChunkCodecRegistry REGISTRY = ChunkCodecRegistry.standard();

  private Codecs() {}

  static String name(int id) {
    if (id < 0) {
      return "?";
    }
    return REGISTRY
        .byId(id)
        .map(c -> c.name())
        .or(() -> REGISTRY.deltaById(id).map(c -> c.name()))
        .orElse("codec " + id);
  }
}
