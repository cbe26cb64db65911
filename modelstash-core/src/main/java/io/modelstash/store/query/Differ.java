package io.modelstash.store.query;

import io.modelstash.format.DType;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.Digest;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Computes a {@link VersionDiff}. Tensors whose elements lie in the same chunk bytes with the same
 * layout are equal without reading anything; others are compared element by element, the first
 * version's elements spooled (in memory up to {@link #IN_MEMORY}, else in a temporary file) while
 * the second version's stream past them, so memory stays bounded whatever the tensor size.
 */
public final class Differ {
  /** Tensors up to this size are held in memory while compared. */
  static final long IN_MEMORY = 32L << 20;

  private final Path tmpDir;
  private final long inMemory;

  /**
   * @param tmpDir where to spool large tensors
   */
  public Differ(Path tmpDir) {
    this(tmpDir, IN_MEMORY);
  }

  Differ(Path tmpDir, long inMemory) {
    this.tmpDir = tmpDir;
    this.inMemory = inMemory;
  }

  /** Compares two versions given their tensors and the chunks each uses. */
  public VersionDiff diff(
      VersionInfo from,
      List<StoredTensor> fromTensors,
      List<ChunkInfo> fromChunks,
      VersionInfo to,
      List<StoredTensor> toTensors,
      List<ChunkInfo> toChunks)
      throws IOException {
    Map<String, StoredTensor> later = new LinkedHashMap<>();
    for (StoredTensor t : toTensors) {
      later.putIfAbsent(t.name(), t);
    }
    List<TensorChange> changes = new java.util.ArrayList<>();
    for (StoredTensor a : fromTensors) {
      StoredTensor b = later.remove(a.name());
      if (b == null) {
        changes.add(
            new TensorChange(
                a.name(),
                TensorChange.Status.REMOVED,
                Optional.of(a.dtypeName()),
                Optional.of(a.shape()),
                Optional.empty(),
                Optional.empty(),
                OptionalLong.empty(),
                OptionalLong.empty(),
                Optional.empty(),
                OptionalDouble.empty()));
      } else {
        changes.add(compare(a, b));
      }
    }
    for (StoredTensor b : later.values()) {
      changes.add(
          new TensorChange(
              b.name(),
              TensorChange.Status.ADDED,
              Optional.empty(),
              Optional.empty(),
              Optional.of(b.dtypeName()),
              Optional.of(b.shape()),
              OptionalLong.empty(),
              OptionalLong.empty(),
              Optional.empty(),
              OptionalDouble.empty()));
    }
    Map<Digest, Long> mine = new HashMap<>();
    long fromBytes = 0;
    for (ChunkInfo c : fromChunks) {
      if (mine.putIfAbsent(c.id(), c.encodedSize()) == null) {
        fromBytes += c.encodedSize();
      }
    }
    long toBytes = 0;
    long shared = 0;
    Map<Digest, Boolean> theirs = new HashMap<>();
    for (ChunkInfo c : toChunks) {
      if (theirs.putIfAbsent(c.id(), true) == null) {
        toBytes += c.encodedSize();
        if (mine.containsKey(c.id())) {
          shared += mine.get(c.id());
        }
      }
    }
    return new VersionDiff(from, to, changes, fromBytes, toBytes, shared);
  }

  private TensorChange compare(StoredTensor a, StoredTensor b) throws IOException {
    TensorChange.Status status = null;
    if (!a.dtypeName().equals(b.dtypeName())) {
      status = TensorChange.Status.DTYPE_CHANGED;
    } else if (!Arrays.equals(a.shape(), b.shape())) {
      status = TensorChange.Status.SHAPE_CHANGED;
    } else if (!a.isReadable() || !b.isReadable()) {
      status = TensorChange.Status.UNKNOWN;
    }
    if (status != null) {
      return new TensorChange(
          a.name(),
          status,
          Optional.of(a.dtypeName()),
          Optional.of(a.shape()),
          Optional.of(b.dtypeName()),
          Optional.of(b.shape()),
          OptionalLong.empty(),
          OptionalLong.empty(),
          Optional.empty(),
          OptionalDouble.empty());
    }
    DType t = a.dtype().get();
    Stats stats = new Stats(t);
    if (!sameBytes(a, b)) {
      compareValues(a, b, stats);
    } else {
      stats.elements = a.numel();
    }
    return new TensorChange(
        a.name(),
        stats.differing == 0 ? TensorChange.Status.SAME : TensorChange.Status.CHANGED,
        Optional.of(a.dtypeName()),
        Optional.of(a.shape()),
        Optional.of(b.dtypeName()),
        Optional.of(b.shape()),
        OptionalLong.of(stats.elements),
        OptionalLong.of(stats.differing),
        stats.maxAbs(),
        stats.relativeL2());
  }

  /** Same chunk bytes viewed the same way: equal without reading. */
  private static boolean sameBytes(StoredTensor a, StoredTensor b) throws IOException {
    var va = a.entry().storage().get();
    var vb = b.entry().storage().get();
    return Arrays.equals(va.stride(), vb.stride())
        && va.bigEndian() == vb.bigEndian()
        && va.conj() == vb.conj()
        && va.neg() == vb.neg()
        && a.touched().equals(b.touched());
  }

  private void compareValues(StoredTensor a, StoredTensor b, Stats stats) throws IOException {
    int esize = a.dtype().get().elementSize();
    Path spool = null;
    InputStream first;
    if (a.nbytes() <= inMemory) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream((int) a.nbytes());
      a.writeTo(buf);
      first = new ByteArrayInputStream(buf.toByteArray());
    } else {
      spool = Files.createTempFile(tmpDir, "diff-", ".spool");
      try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(spool))) {
        a.writeTo(out);
      }
      first = new BufferedInputStream(Files.newInputStream(spool), 1 << 16);
    }
    try (InputStream in = first;
        OutputStream sink =
            new ElementSink(esize) {
              private byte[] mine = new byte[0];

              @Override
              void elements(byte[] theirs, int count) throws IOException {
                int n = count * esize;
                if (mine.length < n) {
                  mine = new byte[n];
                }
                if (in.readNBytes(mine, 0, n) != n) {
                  throw new EOFException("Tensor '" + a.name() + "' ended early while compared");
                }
                stats.add(mine, theirs, count);
              }
            }) {
      b.writeTo(sink);
    } finally {
      if (spool != null) {
        Files.deleteIfExists(spool);
      }
    }
  }

  /** Running totals of an element-by-element comparison. */
  private static final class Stats {
    final DType type;
    final Elements.Kind kind;
    final int esize;
    long elements;
    long differing;
    double maxAbs;
    long maxAbsBits;
    double sumSqDiff;
    double sumSqFirst;

    Stats(DType type) {
      this.type = type;
      this.kind = Elements.kind(type);
      this.esize = type.elementSize();
    }

    void add(byte[] a, byte[] b, int count) {
      for (int i = 0; i < count; i++) {
        int off = i * esize;
        elements++;
        if (Arrays.equals(a, off, off + esize, b, off, off + esize)) {
          accumulateSame(a, off);
          continue;
        }
        differing++;
        switch (kind) {
          case FLOAT:
            {
              double x = Elements.real(a, off, type);
              double y = Elements.real(b, off, type);
              if (!Double.isNaN(x) && !Double.isNaN(y)) {
                double d = Math.abs(y - x);
                maxAbs = Math.max(maxAbs, d);
                sumSqDiff += d * d;
                sumSqFirst += x * x;
              }
              break;
            }
          case COMPLEX:
            {
              DType c = Elements.component(type);
              int half = esize / 2;
              double xr = Elements.real(a, off, c);
              double xi = Elements.real(a, off + half, c);
              double yr = Elements.real(b, off, c);
              double yi = Elements.real(b, off + half, c);
              if (!Double.isNaN(xr + xi) && !Double.isNaN(yr + yi)) {
                double d = Math.hypot(yr - xr, yi - xi);
                maxAbs = Math.max(maxAbs, d);
                sumSqDiff += d * d;
                sumSqFirst += xr * xr + xi * xi;
              }
              break;
            }
          case SIGNED:
          case UNSIGNED:
            {
              long x = Elements.integer(a, off, type);
              long y = Elements.integer(b, off, type);
              boolean xBigger =
                  kind == Elements.Kind.SIGNED ? x > y : Long.compareUnsigned(x, y) > 0;
              // the true difference is below 2^64, so the wrapped subtraction is exact unsigned
              long d = xBigger ? x - y : y - x;
              if (Long.compareUnsigned(d, maxAbsBits) > 0) {
                maxAbsBits = d;
              }
              double dd = unsigned(d);
              double xd = kind == Elements.Kind.SIGNED ? x : unsigned(x);
              sumSqDiff += dd * dd;
              sumSqFirst += xd * xd;
              break;
            }
          default:
            break;
        }
      }
    }

    /** Equal elements still count towards the size of the first tensor. */
    private void accumulateSame(byte[] a, int off) {
      switch (kind) {
        case FLOAT:
          {
            double x = Elements.real(a, off, type);
            if (!Double.isNaN(x)) {
              sumSqFirst += x * x;
            }
            break;
          }
        case COMPLEX:
          {
            DType c = Elements.component(type);
            double xr = Elements.real(a, off, c);
            double xi = Elements.real(a, off + esize / 2, c);
            if (!Double.isNaN(xr + xi)) {
              sumSqFirst += xr * xr + xi * xi;
            }
            break;
          }
        case SIGNED:
          {
            double x = Elements.integer(a, off, type);
            sumSqFirst += x * x;
            break;
          }
        case UNSIGNED:
          {
            double x = unsigned(Elements.integer(a, off, type));
            sumSqFirst += x * x;
            break;
          }
        default:
          break;
      }
    }

    private static double unsigned(long v) {
      return v >= 0 ? v : (double) (v >>> 1) * 2.0;
    }

    Optional<Number> maxAbs() {
      switch (kind) {
        case FLOAT:
        case COMPLEX:
          return Optional.of(maxAbs);
        case SIGNED:
        case UNSIGNED:
          if (maxAbsBits >= 0) {
            return Optional.of(maxAbsBits);
          }
          return Optional.of(new BigInteger(Long.toUnsignedString(maxAbsBits)));
        default:
          return Optional.empty();
      }
    }

    OptionalDouble relativeL2() {
      if (kind == Elements.Kind.OPAQUE) {
        return OptionalDouble.empty();
      }
      if (sumSqFirst == 0) {
        return sumSqDiff == 0 ? OptionalDouble.of(0) : OptionalDouble.empty();
      }
      return OptionalDouble.of(Math.sqrt(sumSqDiff) / Math.sqrt(sumSqFirst));
    }
  }
}
