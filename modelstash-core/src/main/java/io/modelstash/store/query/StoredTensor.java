package io.modelstash.store.query;

import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import io.modelstash.format.Storage;
import io.modelstash.format.Tensor;
import io.modelstash.store.StoreException;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.engine.Engine;
import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.name.VersionId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One tensor of a stored version, read lazily from the chunks that hold it; nothing is read until
 * {@link #writeTo}, {@link #bytes} or {@link #floats} is called. Valid while the store it came from
 * is open. Elements come out in row-major order, little-endian, with pending conjugation or
 * negation applied: the bytes of {@code t.contiguous()} in PyTorch.
 */
public final class StoredTensor {
  private final VersionId version;
  private final Manifest manifest;
  private final Manifest.TensorEntry entry;
  private final Engine engine;

  public StoredTensor(
      VersionId version, Manifest manifest, Manifest.TensorEntry entry, Engine engine) {
    this.version = version;
    this.manifest = manifest;
    this.entry = entry;
    this.engine = engine;
  }

  /** The version it belongs to. */
  public VersionId version() {
    return version;
  }

  /** Its name in the saved file, e.g. {@code model/fc.weight}. */
  public String name() {
    return entry.name();
  }

  /** Its dtype as torch names it, e.g. {@code float32}. */
  public String dtypeName() {
    return entry.dtype();
  }

  /** Its dtype, if this modelstash knows it. */
  public Optional<DType> dtype() {
    return DType.fromTorchName(entry.dtype());
  }

  public long[] shape() {
    return entry.shape();
  }

  /** How many elements it has. */
  public long numel() {
    long n = 1;
    for (long d : entry.shape()) {
      n *= d;
    }
    return n;
  }

  /** Bytes of its elements. */
  public long nbytes() {
    return entry.nbytes();
  }

  /** The manifest entry it was made from. */
  public Manifest.TensorEntry entry() {
    return entry;
  }

  /**
   * Why it cannot be read from the stored chunks, or empty if it can: the manifest does not say
   * where its storage lies (written by an older modelstash, a compressed zip entry, a legacy
   * storage view), or its dtype is unknown.
   */
  public Optional<String> unreadableReason() {
    if (dtype().isEmpty()) {
      return Optional.of("its dtype " + entry.dtype() + " is unknown to this modelstash");
    }
    Optional<Manifest.StorageView> v = entry.storage();
    if (v.isEmpty()) {
      return Optional.of("its manifest does not say where its storage lies");
    }
    if (v.get().position().isEmpty() && v.get().nbytes() > 0) {
      return Optional.of(
          "its storage is not stored as plain bytes (a compressed zip entry or a legacy storage"
              + " view)");
    }
    return Optional.empty();
  }

  /** Whether {@link #writeTo} can read it from the stored chunks. */
  public boolean isReadable() {
    return unreadableReason().isEmpty();
  }

  /** The dtype, or the reason the tensor cannot be read, as a refusal. */
  DType checkedDtype() throws StoreException {
    Optional<String> reason = unreadableReason();
    if (reason.isPresent()) {
      throw new StoreException(
          StoreException.Kind.REFUSED,
          "Cannot read tensor '"
              + name()
              + "' of "
              + version
              + " from its chunks: "
              + reason.get()
              + " (restore the file with 'modelstash get' and read it with 'modelstash"
              + " inspect')");
    }
    return dtype().get();
  }

  /** The pieces of chunks holding the bytes of the storage the tensor's elements touch. */
  List<ChunkRange.Piece> touched() throws IOException {
    DType t = checkedDtype();
    Manifest.StorageView v = entry.storage().get();
    long[] span = span(t, v);
    if (span[1] == span[0]) {
      return List.of();
    }
    Manifest.Layout level = ChunkRange.level(manifest.layout(), v.level());
    return ChunkRange.pieces(level, v.position().getAsLong() + span[0], span[1] - span[0]);
  }

  /** The distinct chunks {@link #writeTo} reads. */
  public List<Manifest.ChunkRef> chunks() throws IOException {
    Map<Object, Manifest.ChunkRef> out = new LinkedHashMap<>();
    for (ChunkRange.Piece p : touched()) {
      out.putIfAbsent(p.ref().id(), p.ref());
    }
    return new ArrayList<>(out.values());
  }

  /** Bytes {@code [first, end)} of the storage that the view's elements lie in. */
  private long[] span(DType t, Manifest.StorageView v) throws IOException {
    long esize = t.elementSize();
    long storageElements = v.nbytes() / esize;
    long numel;
    try {
      numel = Tensor.checkGeometry(name(), shape(), v.stride(), v.offset(), storageElements);
    } catch (FormatException e) {
      throw new CorruptObjectException(
          "Manifest of " + version + " is corrupt: " + e.getMessage(), e);
    }
    if (numel == 0) {
      return new long[] {0, 0};
    }
    long last = v.offset();
    long[] shape = shape();
    long[] stride = v.stride();
    for (int i = 0; i < shape.length; i++) {
      last += (shape[i] - 1) * stride[i];
    }
    long end = Math.min(v.nbytes(), (last + 1) * esize);
    if (t.bits() < 8) {
      end = v.nbytes();
    }
    return new long[] {v.offset() * esize, end};
  }

  /** Writes the elements, row-major and little-endian, reading only the chunks that hold them. */
  public void writeTo(OutputStream out) throws IOException {
    DType t = checkedDtype();
    Manifest.StorageView v = entry.storage().get();
    span(t, v);
    if (numel() == 0) {
      return;
    }
    Manifest.Layout level = ChunkRange.level(manifest.layout(), v.level());
    ChunkSource source =
        new ChunkSource(engine, ChunkRange.pieces(level, v.position().getAsLong(), v.nbytes()));
    Storage storage = new Storage(v.key(), t, v.nbytes(), source, v.bigEndian());
    try {
      new Tensor(name(), t, shape(), v.stride(), v.offset(), storage, v.conj(), v.neg(), false)
          .writeElements(out);
    } finally {
      source.close(); // stops decoding ahead when the writing failed
    }
  }

  /**
   * All elements in memory as a read-only little-endian buffer.
   *
   * @throws StoreException if the tensor is 2 GiB or larger (use {@link #writeTo})
   */
  public ByteBuffer bytes() throws IOException {
    if (nbytes() > Integer.MAX_VALUE - 8) {
      throw new StoreException(
          StoreException.Kind.REFUSED,
          "Cannot load tensor '"
              + name()
              + "' into memory: "
              + nbytes()
              + " bytes is 2 GiB or more (stream it with writeTo)");
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream((int) nbytes());
    writeTo(buf);
    return ByteBuffer.wrap(buf.toByteArray())
        .order(ByteOrder.LITTLE_ENDIAN)
        .asReadOnlyBuffer()
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * All elements as floats: a view of the bytes for float32, converted for the other real float
   * types and integers (which may round).
   *
   * @throws StoreException for complex and other types without a float value
   */
  public FloatBuffer floats() throws IOException {
    DType t = checkedDtype();
    if (t == DType.FLOAT32) {
      return bytes().asFloatBuffer();
    }
    Elements.Kind kind = Elements.kind(t);
    if (kind == Elements.Kind.COMPLEX || kind == Elements.Kind.OPAQUE) {
      throw new StoreException(
          StoreException.Kind.REFUSED,
          "Cannot read tensor '" + name() + "' as floats: " + t + " has no float value");
    }
    if (numel() > Integer.MAX_VALUE - 8) {
      throw new StoreException(
          StoreException.Kind.REFUSED,
          "Cannot load tensor '" + name() + "' into memory: " + numel() + " elements");
    }
    float[] out = new float[(int) numel()];
    try (OutputStream sink =
        new ElementSink(t.elementSize()) {
          private int n;

          @Override
          void elements(byte[] b, int count) {
            for (int i = 0; i < count; i++) {
              out[n++] = Floats.value(b, i * t.elementSize(), t, kind);
            }
          }
        }) {
      writeTo(sink);
    }
    return FloatBuffer.wrap(out).asReadOnlyBuffer();
  }

  @Override
  public String toString() {
    return version + ":" + name();
  }
}
