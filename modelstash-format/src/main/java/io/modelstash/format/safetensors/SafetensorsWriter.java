package io.modelstash.format.safetensors;

import static io.modelstash.format.safetensors.SafetensorsFormat.MAX_HEADER_LENGTH;
import static io.modelstash.format.safetensors.SafetensorsFormat.MAX_INTEGER;
import static io.modelstash.format.safetensors.SafetensorsFormat.METADATA_KEY;
import static io.modelstash.format.safetensors.SafetensorsFormat.quote;

import io.modelstash.format.DType;
import io.modelstash.format.DataWriter;
import io.modelstash.format.FormatException;
import io.modelstash.format.json.Json;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes safetensors files laid out exactly as the reference Rust writer lays them out ({@code
 * safetensors::serialize}, which Python's {@code save_file} calls), so that the same tensors give
 * the same bytes:
 *
 * <ul>
 *   <li>tensors sorted by dtype in descending reference order (U64, I64, F64, C64, F32, U32, I32,
 *       BF16, F16, U16, I16, F8_E5M2FNUZ, F8_E4M3FNUZ, F8_E8M0, F8_E4M3, F8_E5M2, I8, U8, F6_E3M2,
 *       F6_E2M3, F4, BOOL), then by name in code point (UTF-8 byte) order, given contiguous offsets
 *       from 0, so that every tensor is aligned to its element size;
 *   <li>a compact JSON header: {@code __metadata__} first when there is metadata, then the tensors
 *       in offset order, each as {@code {"dtype":..,"shape":[..],"data_offsets":[b,e]}};
 *   <li>the header padded with spaces to a multiple of 8 bytes, so the data starts 8-aligned.
 * </ul>
 *
 * <p>Two choices where the reference has none: metadata keys are written in code point order (the
 * reference iterates a hash map, so its order varies from run to run), and empty metadata is
 * written like absent metadata, with no {@code __metadata__} key (the reference writes {@code
 * "__metadata__":{}} when given an empty map rather than none).
 *
 * <p>The writer refuses, with a {@link FormatException} before writing anything, what {@link
 * SafetensorsFile#read} would refuse: duplicate names, the name {@code __metadata__}, strings with
 * unpaired surrogates, dtypes safetensors lacks, negative dimensions, sub-byte tensors that do not
 * fill whole bytes, sizes or offsets above 2^53 - 1, and headers above 100,000,000 bytes.
 */
public final class SafetensorsWriter {

  /**
   * One tensor to write. {@code data} must write exactly {@link #nbytes nbytes(dtype, shape)}
   * bytes, little-endian and row-major; the shape is copied.
   */
  public record Entry(String name, DType dtype, long[] shape, DataWriter data) {
    public Entry {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(dtype, "dtype");
      shape = Objects.requireNonNull(shape, "shape").clone();
      Objects.requireNonNull(data, "data");
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
      return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Entry
          && name.equals(((Entry) o).name)
          && dtype == ((Entry) o).dtype
          && Arrays.equals(shape, ((Entry) o).shape)
          && data.equals(((Entry) o).data);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, dtype, Arrays.hashCode(shape), data);
    }

    @Override
    public String toString() {
      return quote(name) + ": " + SafetensorsFormat.dtypeName(dtype) + Arrays.toString(shape);
    }
  }

  private SafetensorsWriter() {}

  /**
   * Writes a complete safetensors file to {@code out} and flushes it; does not close it.
   *
   * @param metadata the {@code __metadata__} strings; {@code null} or empty for none
   * @throws FormatException if the tensors or metadata cannot be written as a valid file (nothing
   *     has been written then), or if a {@link DataWriter} wrote the wrong number of bytes (the
   *     output is then incomplete and must be discarded)
   */
  public static void write(OutputStream out, Map<String, String> metadata, List<Entry> tensors)
      throws IOException {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(tensors, "tensors");
    List<Entry> sorted = new ArrayList<>(tensors);
    Set<String> names = new HashSet<>();
    for (Entry entry : sorted) {
      Objects.requireNonNull(entry, "tensor entry");
      checkName(entry.name);
      if (!names.add(entry.name)) {
        throw new FormatException(
            "Cannot write safetensors file: duplicate tensor name " + quote(entry.name));
      }
    }
    sorted.sort(
        Comparator.comparingInt((Entry e) -> -rank(e.dtype))
            .thenComparing(Entry::name, SafetensorsFormat::compareCodePoints));

    Map<String, Object> header = new LinkedHashMap<>();
    if (metadata != null && !metadata.isEmpty()) {
      header.put(METADATA_KEY, sortedMetadata(metadata));
    }
    long[] sizes = new long[sorted.size()];
    long offset = 0;
    for (int i = 0; i < sorted.size(); i++) {
      Entry entry = sorted.get(i);
      sizes[i] = checkedSize(entry);
      long end = offset + sizes[i];
      if (end > MAX_INTEGER) {
        throw new FormatException(
            "Cannot write safetensors file: the data would exceed "
                + MAX_INTEGER
                + " bytes at tensor "
                + quote(entry.name));
      }
      List<Long> shape = new ArrayList<>();
      for (long dim : entry.shape) {
        shape.add(dim);
      }
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("dtype", entry.dtype.safetensorsName().orElseThrow());
      info.put("shape", shape);
      info.put("data_offsets", List.of(offset, end));
      header.put(entry.name, info);
      offset = end;
    }

    byte[] json = Json.serialize(header).getBytes(StandardCharsets.UTF_8);
    int padded = json.length + (8 - json.length % 8) % 8;
    if (padded > MAX_HEADER_LENGTH) {
      throw new FormatException(
          "Cannot write safetensors file: the header would take "
              + padded
              + " bytes, more than readers accept ("
              + MAX_HEADER_LENGTH
              + "; split the tensors over several files)");
    }
    byte[] prefix = new byte[8 + padded];
    ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
    System.arraycopy(json, 0, prefix, 8, json.length);
    Arrays.fill(prefix, 8 + json.length, prefix.length, (byte) ' ');
    out.write(prefix);

    for (int i = 0; i < sorted.size(); i++) {
      Entry entry = sorted.get(i);
      CountingOutputStream counter = new CountingOutputStream(out);
      entry.data.writeTo(counter);
      if (counter.count != sizes[i]) {
        throw new FormatException(
            "Cannot write tensor "
                + quote(entry.name)
                + ": its data writer wrote "
                + counter.count
                + " bytes, expected "
                + sizes[i]
                + " (the output is incomplete; discard it)");
      }
    }
    out.flush();
  }

  /**
   * The number of data bytes of a tensor: {@code Π shape × dtype.bits() / 8}, in checked
   * arithmetic. The shape counts logical elements, also for the sub-byte types.
   *
   * @throws FormatException if a dimension is negative, the size overflows a long, or the bits do
   *     not fill whole bytes (an odd number of {@code F4} elements, for example)
   */
  public static long nbytes(DType dtype, long[] shape) throws FormatException {
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(shape, "shape");
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new FormatException(
            "Cannot size tensor: shape["
                + i
                + "] is "
                + shape[i]
                + " in "
                + Arrays.toString(shape)
                + " (dimensions must be non-negative)");
      }
    }
    long bits = SafetensorsFormat.bits(dtype, shape);
    if (bits < 0) {
      throw new FormatException(
          "Cannot size tensor: shape "
              + Arrays.toString(shape)
              + " of "
              + SafetensorsFormat.dtypeName(dtype)
              + " overflows a 64-bit size");
    }
    if (bits % 8 != 0) {
      throw new FormatException(
          "Cannot size tensor: shape "
              + Arrays.toString(shape)
              + " of "
              + SafetensorsFormat.dtypeName(dtype)
              + " is "
              + bits
              + " bits, not a whole number of bytes");
    }
    return bits / 8;
  }

  private static void checkName(String name) throws FormatException {
    if (name.equals(METADATA_KEY)) {
      throw new FormatException(
          "Cannot write safetensors file: the tensor name \"__metadata__\" is reserved for"
              + " metadata (rename the tensor)");
    }
    checkUnicode("tensor name", name);
  }

  private static void checkUnicode(String what, String s) throws FormatException {
    if (!SafetensorsFormat.isWellFormed(s)) {
      throw new FormatException(
          "Cannot write safetensors file: "
              + what
              + " "
              + quote(s)
              + " has an unpaired surrogate (it cannot be encoded as UTF-8)");
    }
  }

  private static long checkedSize(Entry entry) throws FormatException {
    if (entry.dtype.safetensorsName().isEmpty()) {
      throw new FormatException(
          "Cannot write tensor "
              + quote(entry.name)
              + ": dtype "
              + entry.dtype.torchName()
              + " has no safetensors equivalent (convert it first)");
    }
    for (long dim : entry.shape) {
      if (dim > MAX_INTEGER) {
        throw new FormatException(
            "Cannot write tensor "
                + quote(entry.name)
                + ": dimension "
                + dim
                + " exceeds "
                + MAX_INTEGER);
      }
    }
    try {
      return nbytes(entry.dtype, entry.shape);
    } catch (FormatException e) {
      throw new FormatException(
          "Cannot write tensor " + quote(entry.name) + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> sortedMetadata(Map<String, String> metadata)
      throws FormatException {
    List<Map.Entry<String, String>> entries = new ArrayList<>(metadata.entrySet());
    for (Map.Entry<String, String> e : entries) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new NullPointerException("metadata keys and values must not be null");
      }
      checkUnicode("metadata key", e.getKey());
      checkUnicode("metadata value", e.getValue());
    }
    entries.sort((a, b) -> SafetensorsFormat.compareCodePoints(a.getKey(), b.getKey()));
    Map<String, Object> sorted = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : entries) {
      sorted.put(e.getKey(), e.getValue());
    }
    return sorted;
  }

  private static int rank(DType dtype) {
    return SafetensorsFormat.REFERENCE_ORDER.indexOf(dtype);
  }

  /** Counts what a {@link DataWriter} writes and keeps it from closing the file stream. */
  private static final class CountingOutputStream extends FilterOutputStream {
    long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void close() {}
  }
}
