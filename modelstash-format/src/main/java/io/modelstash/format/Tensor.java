package io.modelstash.format;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One named tensor of a checkpoint: a view (offset, shape, strides, all in elements of {@link
 * #dtype()}) into a {@link Storage}. Several tensors may share a storage (tied weights, slices,
 * transposes). Geometry has been checked against the storage when a reader returns it, so every
 * element index lies inside the storage.
 *
 * <p>{@link #writeElements} produces the tensor's own elements in row-major order, little-endian,
 * with pending conjugation or negation applied: the bytes {@code t.contiguous()} would hold.
 */
public final class Tensor {
  /** Storages up to this size are read whole to serve non-contiguous views quickly. */
  private static final long IN_MEMORY_VIEW_LIMIT = 64L << 20;

  private final String name;
  private final DType dtype;
  private final long[] shape;
  private final long[] stride;
  private final long storageOffset;
  private final Storage storage;
  private final boolean conj;
  private final boolean neg;
  private final boolean requiresGrad;

  public Tensor(
      String name,
      DType dtype,
      long[] shape,
      long[] stride,
      long storageOffset,
      Storage storage,
      boolean conj,
      boolean neg,
      boolean requiresGrad) {
    this.name = Objects.requireNonNull(name, "name");
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    this.shape = shape.clone();
    this.stride = stride.clone();
    if (shape.length != stride.length) {
      throw new IllegalArgumentException("shape and stride differ in rank");
    }
    this.storageOffset = storageOffset;
    this.storage = Objects.requireNonNull(storage, "storage");
    this.conj = conj;
    this.neg = neg;
    this.requiresGrad = requiresGrad;
  }

  /** Row-major strides for a shape. */
  public static long[] contiguousStrides(long[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc = Math.multiplyExact(acc, Math.max(1, shape[i]));
    }
    return s;
  }

  /**
   * Checks that every element of a view lies in a storage of {@code storageElements} elements.
   *
   * @return the number of elements of the view
   */
  public static long checkGeometry(
      String name, long[] shape, long[] stride, long offset, long storageElements)
      throws FormatException {
    if (shape.length != stride.length) {
      throw new FormatException(
          "Cannot read tensor '" + name + "': size and stride have different lengths");
    }
    if (offset < 0) {
      throw new FormatException("Cannot read tensor '" + name + "': negative storage offset");
    }
    try {
      long numel = 1;
      long last = offset;
      for (int i = 0; i < shape.length; i++) {
        if (shape[i] < 0 || stride[i] < 0) {
          throw new FormatException(
              "Cannot read tensor '" + name + "': negative size or stride in dimension " + i);
        }
        numel = Math.multiplyExact(numel, shape[i]);
        if (shape[i] > 0) {
          last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
        }
      }
      if (numel > 0 && last >= storageElements) {
        throw new FormatException(
            "Cannot read tensor '"
                + name
                + "': view reaches element "
                + last
                + " but its storage has "
                + storageElements
                + " elements");
      }
      return numel;
    } catch (ArithmeticException e) {
      throw new FormatException(
          "Cannot read tensor '" + name + "': size × stride overflows 64 bits", e);
    }
  }

  public String name() {
    return name;
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public long[] stride() {
    return stride.clone();
  }

  public long storageOffset() {
    return storageOffset;
  }

  public Storage storage() {
    return storage;
  }

  public boolean conj() {
    return conj;
  }

  public boolean neg() {
    return neg;
  }

  public boolean requiresGrad() {
    return requiresGrad;
  }

  /** A copy of this tensor under another name. */
  public Tensor withName(String newName) {
    return new Tensor(
        newName, dtype, shape, stride, storageOffset, storage, conj, neg, requiresGrad);
  }

  public long numel() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** Bytes of the tensor's own elements (not of its storage); sub-byte types are packed. */
  public long nbytes() {
    if (dtype.bits() < 8) {
      return (numel() * dtype.bits() + 7) / 8;
    }
    return numel() * dtype.elementSize();
  }

  /** Whether the elements lie in row-major order without gaps. */
  public boolean isContiguous() {
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        return numel() == 0;
      }
      expected *= shape[i];
    }
    return true;
  }

  /** Whether the view covers its storage exactly, in order: a plain, unshared-layout tensor. */
  public boolean coversStorage() {
    return storageOffset == 0
        && isContiguous()
        && nbytes() == storage.nbytes()
        && dtype.elementSize() > 0;
  }

  private boolean needsTransform() {
    return storage.bigEndian() && dtype.swapUnit() > 1 || conj || neg;
  }

  /** Writes the elements row-major, little-endian, with conj/neg applied. */
  public void writeElements(OutputStream out) throws IOException {
    long numel = numel();
    if (numel == 0) {
      return;
    }
    int esize = dtype.elementSize();
    if (isContiguous() && !needsTransform()) {
      long start = storageOffset * esize;
      copyRange(storage.data(), start, nbytes(), out);
      return;
    }
    if (isContiguous()) {
      long start = storageOffset * esize;
      long length = numel * esize;
      byte[] buf = new byte[(int) Math.min(1 << 20, length) / esize * esize];
      for (long done = 0; done < length; ) {
        int n = (int) Math.min(buf.length, length - done);
        storage.data().readFully(start + done, ByteBuffer.wrap(buf, 0, n));
        transform(buf, n);
        out.write(buf, 0, n);
        done += n;
      }
      return;
    }
    writeStrided(out, esize);
  }

  private void writeStrided(OutputStream out, int esize) throws IOException {
    ElementReader reader = storage.nbytes() <= IN_MEMORY_VIEW_LIMIT ? new ArrayReader() : null;
    byte[] buf = new byte[Math.max(esize, (1 << 16) / esize * esize)];
    int fill = 0;
    int rank = shape.length;
    long[] idx = new long[rank];
    long pos = storageOffset;
    long numel = numel();
    ByteBuffer one = ByteBuffer.allocate(esize);
    for (long n = 0; n < numel; n++) {
      if (reader != null) {
        reader.read(pos * esize, buf, fill, esize);
      } else {
        one.clear();
        storage.data().readFully(pos * esize, one);
        System.arraycopy(one.array(), 0, buf, fill, esize);
      }
      fill += esize;
      if (fill == buf.length) {
        transform(buf, fill);
        out.write(buf, 0, fill);
        fill = 0;
      }
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          pos += stride[d];
          break;
        }
        pos -= stride[d] * (shape[d] - 1);
        idx[d] = 0;
      }
    }
    transform(buf, fill);
    out.write(buf, 0, fill);
  }

  private interface ElementReader {
    void read(long position, byte[] dst, int off, int len) throws IOException;
  }

  private final class ArrayReader implements ElementReader {
    private byte[] bytes;

    @Override
    public void read(long position, byte[] dst, int off, int len) throws IOException {
      if (bytes == null) {
        bytes = storage.readAll();
      }
      System.arraycopy(bytes, (int) position, dst, off, len);
    }
  }

  /** Byte-swaps to little-endian and applies pending negation / conjugation in place. */
  private void transform(byte[] buf, int len) {
    int unit = dtype.swapUnit();
    if (storage.bigEndian() && unit > 1) {
      for (int i = 0; i + unit <= len; i += unit) {
        for (int a = i, b = i + unit - 1; a < b; a++, b--) {
          byte t = buf[a];
          buf[a] = buf[b];
          buf[b] = t;
        }
      }
    }
    if (!neg && !conj) {
      return;
    }
    boolean complex = dtype.kind() == DType.Kind.COMPLEX;
    int esize = dtype.elementSize();
    for (int i = 0; i + esize <= len; i += esize) {
      if (neg) {
        if (complex) {
          negate(buf, i, unit);
          negate(buf, i + unit, unit);
        } else {
          negate(buf, i, esize);
        }
      }
      if (conj && complex) {
        negate(buf, i + unit, unit);
      }
    }
  }

  /** Negates one little-endian value: sign flip for floats, two's complement for integers. */
  private void negate(byte[] buf, int off, int width) {
    if (dtype.isFloatingPoint()) {
      buf[off + width - 1] ^= (byte) 0x80;
      return;
    }
    int carry = 1;
    for (int i = 0; i < width; i++) {
      int v = (~buf[off + i] & 0xFF) + carry;
      buf[off + i] = (byte) v;
      carry = v >>> 8;
    }
  }

  private static void copyRange(ByteSource src, long start, long length, OutputStream out)
      throws IOException {
    byte[] buf = new byte[(int) Math.min(1 << 20, length)];
    for (long done = 0; done < length; ) {
      int n = (int) Math.min(buf.length, length - done);
      src.readFully(start + done, ByteBuffer.wrap(buf, 0, n));
      out.write(buf, 0, n);
      done += n;
    }
  }

  /** SHA-256 of {@link #writeElements}' output, in lowercase hex. */
  public String sha256() throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
    MessageDigest digest = md;
    try (OutputStream sink =
        new OutputStream() {
          @Override
          public void write(int b) {
            digest.update((byte) b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
          }
        }) {
      writeElements(sink);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape);
  }
}
