package io.modelstash.store.manifest;

import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How one saved file is rebuilt, and what it was saved as: the file's hash and size, the model path
 * and metadata it was put with, the tensor table when the file could be read, and the {@link
 * Layout} of segments and chunks. Written once, named by the SHA-256 of its encoding.
 *
 * @param putId a random id that makes every put's manifest distinct
 */
public record Manifest(
    ModelPath path,
    String putId,
    Instant createdAt,
    Digest fileSha256,
    long size,
    Optional<String> originalFileName,
    Optional<String> note,
    Map<String, String> params,
    Map<String, Double> metrics,
    List<TensorEntry> tensors,
    Layout layout) {

  public Manifest {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(putId, "putId");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(fileSha256, "fileSha256");
    Objects.requireNonNull(layout, "layout");
    params = Map.copyOf(params);
    metrics = Map.copyOf(metrics);
    tensors = List.copyOf(tensors);
    if (layout.length() != size) {
      throw new IllegalArgumentException(
          "layout covers " + layout.length() + " bytes but the file has " + size);
    }
  }

  /**
   * One tensor as {@code inspect} shows it, and, when known, where its elements lie so that it can
   * be read from the stored chunks alone.
   */
  public record TensorEntry(
      String name, String dtype, long[] shape, long nbytes, Optional<StorageView> storage) {
    public TensorEntry {
      shape = shape.clone();
      Objects.requireNonNull(storage, "storage");
      if (storage.isPresent() && storage.get().stride.length != shape.length) {
        throw new IllegalArgumentException(
            "tensor '"
                + name
                + "' has "
                + shape.length
                + " dimensions but its stride has "
                + storage.get().stride.length);
      }
    }

    /** An entry without a storage view (older manifests, tests). */
    public TensorEntry(String name, String dtype, long[] shape, long nbytes) {
      this(name, dtype, shape, nbytes, Optional.empty());
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }
  }

  /**
   * Where a tensor's elements lie: the tensor views its storage from element {@code offset} with
   * {@code stride} (in elements, one per dimension), and the storage's {@code nbytes} bytes start
   * at byte {@code position} of one level of the layout. The level is the file itself when {@code
   * level} is empty, else reached by taking the {@code level[0]}-th deflate segment of the file's
   * layout, then the {@code level[1]}-th of that segment's inner layout, and so on. Position is
   * absent when the storage is not a byte range of any level (a compressed zip entry, a legacy
   * storage view); such a tensor can only be read by restoring the file.
   *
   * @param key the storage key (or safetensors tensor name)
   * @param bigEndian whether the storage bytes are big-endian
   * @param conj whether the tensor has a pending conjugation
   * @param neg whether the tensor has a pending negation
   */
  public record StorageView(
      String key,
      long nbytes,
      long offset,
      long[] stride,
      boolean bigEndian,
      boolean conj,
      boolean neg,
      int[] level,
      OptionalLong position) {
    public StorageView {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(position, "position");
      stride = stride.clone();
      level = level.clone();
      if (nbytes < 0 || offset < 0 || (position.isPresent() && position.getAsLong() < 0)) {
        throw new IllegalArgumentException("negative storage size, offset or position");
      }
    }

    @Override
    public long[] stride() {
      return stride.clone();
    }

    @Override
    public int[] level() {
      return level.clone();
    }
  }

  /** A chunk reference: the SHA-256 of the raw bytes and their length. */
  public record ChunkRef(Digest id, int length) {}

  /**
   * One level of a decomposed file: its segments in order, and the chunks of the concatenation of
   * its opaque segments (opaque bytes are chunked as one stream, so a file's many small headers do
   * not become many small chunks).
   */
  public record Layout(String format, List<Segment> segments, List<ChunkRef> opaqueChunks) {
    public Layout {
      segments = List.copyOf(segments);
      opaqueChunks = List.copyOf(opaqueChunks);
      long opaque = 0;
      for (Segment s : segments) {
        if (s instanceof Opaque) {
          opaque += s.length();
        }
      }
      long chunked = 0;
      for (ChunkRef c : opaqueChunks) {
        chunked += c.length();
      }
      if (opaque != chunked) {
        throw new IllegalArgumentException(
            "opaque segments hold " + opaque + " bytes but their chunks " + chunked);
      }
    }

    /** Bytes this level stands for in its parent (or the file). */
    public long length() {
      long n = 0;
      for (Segment s : segments) {
        n += s.length();
      }
      return n;
    }
  }

  /** A piece of a layout. */
  public sealed interface Segment permits Opaque, Payload, Deflated {
    long length();
  }

  /** The next {@code length} bytes of the level's opaque stream. */
  public record Opaque(long length) implements Segment {}

  /**
   * A tensor payload stored as its own chunks, element-aligned. {@code key} is the storage key (or
   * safetensors name); {@code tensor} the name of the first tensor that views it, when the file
   * could be read, which is how a later version finds the matching payload to delta against.
   */
  public record Payload(
      long length, String key, Optional<String> tensor, String dtype, List<ChunkRef> chunks)
      implements Segment {
    public Payload {
      Objects.requireNonNull(tensor, "tensor");
      chunks = List.copyOf(chunks);
      long n = 0;
      for (ChunkRef c : chunks) {
        n += c.length();
      }
      if (n != length) {
        throw new IllegalArgumentException("payload chunks hold " + n + " of " + length + " bytes");
      }
    }
  }

  /**
   * A deflate stream rebuilt by deflating {@code inner} at {@code level}, sync-flushing after each
   * of {@code flushPoints} (offsets in the inflated bytes).
   */
  public record Deflated(long length, int level, long[] flushPoints, Layout inner)
      implements Segment {
    public Deflated {
      flushPoints = flushPoints.clone();
    }

    @Override
    public long[] flushPoints() {
      return flushPoints.clone();
    }
  }
}
