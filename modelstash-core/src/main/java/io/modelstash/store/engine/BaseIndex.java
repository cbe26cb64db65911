package io.modelstash.store.engine;

import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.name.Digest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The payloads of a base version, found by what they hold: the tensor name when the file was
 * readable (else the storage key), the dtype and the byte length. A payload of the new version with
 * the same identity is the same tensor a little further in training, or fine-tuned, and its chunks
 * line up one for one with the base's, since both are cut the same way.
 *
 * <p>Also the opaque chunks of each level (numbered depth-first, the top level 0), whose bytes the
 * new version's opaque chunks at the same positions most likely repeat: the pickle, headers and
 * small tensors of one model change little from version to version.
 */
final class BaseIndex {
  static final BaseIndex EMPTY = new BaseIndex();

  private final Map<String, List<Manifest.ChunkRef>> payloads = new HashMap<>();
  private final List<List<Manifest.ChunkRef>> opaque = new ArrayList<>();

  private BaseIndex() {}

  static BaseIndex of(Manifest.Layout layout) {
    BaseIndex index = new BaseIndex();
    index.add(layout);
    return index;
  }

  private void add(Manifest.Layout layout) {
    opaque.add(layout.opaqueChunks());
    for (Manifest.Segment s : layout.segments()) {
      if (s instanceof Manifest.Payload) {
        Manifest.Payload p = (Manifest.Payload) s;
        payloads.putIfAbsent(identity(p.tensor(), p.key(), p.dtype(), p.length()), p.chunks());
      } else if (s instanceof Manifest.Deflated) {
        add(((Manifest.Deflated) s).inner());
      }
    }
  }

  static String identity(Optional<String> tensor, String key, String dtype, long length) {
    return tensor.map(t -> "t:" + t).orElse("k:" + key) + "|" + dtype + "|" + length;
  }

  /** Every chunk of the base: the records a put will look up, fetched at once. */
  Set<Digest> chunkIds() {
    Set<Digest> out = new HashSet<>();
    for (List<Manifest.ChunkRef> refs : payloads.values()) {
      refs.forEach(r -> out.add(r.id()));
    }
    for (List<Manifest.ChunkRef> refs : opaque) {
      refs.forEach(r -> out.add(r.id()));
    }
    return out;
  }

  /** The base's opaque chunk at {@code index} of level {@code level}, if it has one. */
  Optional<Manifest.ChunkRef> opaqueChunk(int level, int index) {
    if (level >= opaque.size() || index >= opaque.get(level).size()) {
      return Optional.empty();
    }
    return Optional.of(opaque.get(level).get(index));
  }

  /** The base chunks of the payload with this identity, if the base has one. */
  Optional<List<Manifest.ChunkRef>> chunks(String identity) {
    return Optional.ofNullable(payloads.get(identity));
  }
}
