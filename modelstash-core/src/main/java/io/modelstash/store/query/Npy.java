package io.modelstash.store.query;

import io.modelstash.format.DType;
import io.modelstash.store.StoreException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a tensor as a NumPy {@code .npy} file, format version 1.0: the magic {@code \x93NUMPY},
 * version bytes 1 and 0, a u16 little-endian header length, an ASCII header dict {@code {'descr':
 * …, 'fortran_order': False, 'shape': (…), }} padded with spaces and ending in a newline so that
 * the data starts at a multiple of 64, then the elements in C order, little-endian.
 *
 * <p>NumPy has float16/32/64, int8–64, uint8–64, bool and complex64/128. Other dtypes (bfloat16,
 * float8, …) have no NumPy type: they are refused unless converted to float32, which is exact for
 * bfloat16, float16 and the float8 types.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};

  private static final Map<DType, String> DESCR =
      Map.ofEntries(
          Map.entry(DType.FLOAT16, "<f2"),
          Map.entry(DType.FLOAT32, "<f4"),
          Map.entry(DType.FLOAT64, "<f8"),
          Map.entry(DType.INT8, "|i1"),
          Map.entry(DType.INT16, "<i2"),
          Map.entry(DType.INT32, "<i4"),
          Map.entry(DType.INT64, "<i8"),
          Map.entry(DType.UINT8, "|u1"),
          Map.entry(DType.UINT16, "<u2"),
          Map.entry(DType.UINT32, "<u4"),
          Map.entry(DType.UINT64, "<u8"),
          Map.entry(DType.BOOL, "|b1"),
          Map.entry(DType.COMPLEX64, "<c8"),
          Map.entry(DType.COMPLEX128, "<c16"));

  private Npy() {}

  /** The NumPy type string of a dtype, if NumPy has the type. */
  public static Optional<String> descr(DType t) {
    return Optional.ofNullable(DESCR.get(t));
  }

  /**
   * Writes {@code tensor} as {@code .npy} to {@code out}, converting the elements to float32 when
   * {@code asFloat32}.
   *
   * @throws StoreException (refused) if NumPy has no type for the dtype and no conversion is asked
   *     for, or the dtype has no float value to convert to
   */
  public static void write(StoredTensor tensor, OutputStream out, boolean asFloat32)
      throws IOException {
    DType t = tensor.checkedDtype();
    if (asFloat32 && !Floats.convertible(t)) {
      throw new StoreException(
          StoreException.Kind.REFUSED,
          "Cannot write tensor '"
              + tensor.name()
              + "' as float32: "
              + t
              + " has no float value (write it in its own dtype, without --as)");
    }
    if (!asFloat32 && descr(t).isEmpty()) {
      String hint =
          Floats.convertible(t)
              ? "use --as float32, which is exact for " + t
              : "NumPy cannot hold it";
      throw new StoreException(
          StoreException.Kind.REFUSED,
          "Cannot write tensor '"
              + tensor.name()
              + "' as .npy: NumPy has no "
              + t
              + " dtype ("
              + hint
              + ")");
    }
    out.write(header(asFloat32 ? "<f4" : descr(t).get(), tensor.shape()));
    if (!asFloat32 || t == DType.FLOAT32) {
      tensor.writeTo(out);
      return;
    }
    Elements.Kind kind = Elements.kind(t);
    int esize = t.elementSize();
    try (OutputStream sink =
        new ElementSink(esize) {
          @Override
          void elements(byte[] b, int count) throws IOException {
            ByteBuffer f = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
              f.putFloat(Floats.value(b, i * esize, t, kind));
            }
            out.write(f.array());
          }
        }) {
      tensor.writeTo(sink);
    }
  }

  /** The magic, version, length and padded header dict. */
  static byte[] header(String descr, long[] shape) throws StoreException {
    StringBuilder dims = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      dims.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    dims.append(shape.length == 1 ? ",)" : ")");
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + dims + ", }";
    int unpadded = MAGIC.length + 2 + dict.length() + 1;
    int total = (unpadded + 63) / 64 * 64;
    if (total - MAGIC.length - 2 > 0xFFFF) {
      throw new StoreException(
          StoreException.Kind.REFUSED,
          "Cannot write .npy: the shape has too many dimensions for a version 1.0 header");
    }
    String text = dict + " ".repeat(total - unpadded) + "\n";
    ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putShort((short) (total - MAGIC.length - 2));
    b.put(text.getBytes(StandardCharsets.US_ASCII));
    return b.array();
  }
}
