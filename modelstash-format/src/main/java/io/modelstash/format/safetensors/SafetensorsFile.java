package io.modelstash.format.safetensors;

import static io.modelstash.format.safetensors.SafetensorsFormat.MAX_HEADER_LENGTH;
import static io.modelstash.format.safetensors.SafetensorsFormat.MAX_INTEGER;
import static io.modelstash.format.safetensors.SafetensorsFormat.METADATA_KEY;
import static io.modelstash.format.safetensors.SafetensorsFormat.dtypeName;
import static io.modelstash.format.safetensors.SafetensorsFormat.quote;

import io.modelstash.format.ByteSource;
import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import io.modelstash.format.json.Json;
import io.modelstash.format.json.JsonNull;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The validated header of a safetensors file: its metadata and where each tensor's bytes are.
 *
 * <p>{@link #read} accepts a file only if the reference Rust reader would, and checks in the same
 * order, so the first problem found is the one the reference reports; each message ends with the
 * reference error name. On top of the reference it refuses duplicate JSON keys (the format forbids
 * them; the reference silently keeps the last), {@code __metadata__: null}, integers above 2^53 -
 * 1, and headers whose parsed form would exceed a 64 MiB memory estimate (about 80,000 tensors).
 * Unknown fields in a tensor entry are ignored, as the reference does.
 *
 * <p>A returned file is consistent: the tensors tile the data buffer {@code [dataStart(), end of
 * file)} exactly, in {@link #tensors()} order, and each one's byte length equals its shape and
 * dtype. Reading holds only the header in memory (at most 100,000,000 bytes).
 */
public final class SafetensorsFile {

  private static final Json.Limits HEADER_LIMITS =
      new Json.Limits(64, (int) MAX_HEADER_LENGTH, 64L << 20);

  private final long headerLength;
  private final Map<String, String> metadata;
  private final List<SafetensorsTensor> tensors;
  private final Map<String, SafetensorsTensor> byName;

  private SafetensorsFile(
      long headerLength, Map<String, String> metadata, List<SafetensorsTensor> tensors) {
    this.headerLength = headerLength;
    this.metadata = Collections.unmodifiableMap(metadata);
    this.tensors = Collections.unmodifiableList(tensors);
    this.byName = new HashMap<>();
    for (SafetensorsTensor t : tensors) {
      byName.put(t.name(), t);
    }
  }

  /**
   * Reads and validates the header of the safetensors file in {@code src}; tensor data is not read.
   *
   * @throws FormatException if the file is not a valid safetensors file
   * @throws IOException if {@code src} cannot be read
   */
  public static SafetensorsFile read(ByteSource src) throws IOException {
    long fileLength = src.size();
    if (fileLength < 8) {
      throw new FormatException(
          "Cannot read safetensors file: it has "
              + fileLength
              + " bytes, fewer than the 8-byte header length (HeaderTooSmall)");
    }
    long n = ByteBuffer.wrap(src.read(0, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    // A u64 above 2^63 reads as negative here: too large as well.
    if (n < 0 || n > MAX_HEADER_LENGTH) {
      throw new FormatException(
          "Cannot read safetensors header: declared length "
              + Long.toUnsignedString(n)
              + " exceeds the limit of "
              + MAX_HEADER_LENGTH
              + " bytes (HeaderTooLarge; not a safetensors file?)");
    }
    long headerEnd = Math.addExact(8L, n);
    if (headerEnd > fileLength) {
      throw new FormatException(
          "Cannot read safetensors header: declared length "
              + n
              + " ends at byte "
              + headerEnd
              + ", past the end of the "
              + fileLength
              + "-byte file (InvalidHeaderLength; truncated file?)");
    }
    byte[] header = src.read(8, (int) n);
    checkUtf8(header);
    Object root;
    try {
      root = Json.parse(header, HEADER_LIMITS);
    } catch (FormatException e) {
      throw new FormatException(
          "Cannot read safetensors header (InvalidHeaderDeserialization): " + e.getMessage(), e);
    }
    if (!(root instanceof Map)) {
      throw invalidHeader("the header is " + describe(root) + ", expected a JSON object");
    }

    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) root).entrySet()) {
      String name = (String) e.getKey();
      if (name.equals(METADATA_KEY)) {
        readMetadata(e.getValue(), metadata);
      } else {
        entries.add(readTensorEntry(name, e.getValue()));
      }
    }

    // Stable: tensors with equal ranges (zero-size ones) keep their header order.
    entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    List<SafetensorsTensor> tensors = new ArrayList<>(entries.size());
    long start = 0;
    for (Entry t : entries) {
      if (t.begin() != start || t.end() < t.begin()) {
        throw new FormatException(
            "Cannot read tensor "
                + quote(t.name())
                + ": data_offsets ["
                + t.begin()
                + ", "
                + t.end()
                + (t.end() < t.begin()
                    ? "] end before they begin"
                    : "] should begin at "
                        + start
                        + (start == 0
                            ? ", the start of the data"
                            : ", the end of the previous tensor"))
                + " (InvalidOffset; gaps and overlaps are not allowed)");
      }
      start = t.end();
      long bits = SafetensorsFormat.bits(t.dtype(), t.shape());
      if (bits < 0) {
        throw new FormatException(
            "Cannot read tensor "
                + quote(t.name())
                + ": the size of shape "
                + Arrays.toString(t.shape())
                + " of "
                + dtypeName(t.dtype())
                + " overflows (ValidationOverflow)");
      }
      if (bits % 8 != 0) {
        throw new FormatException(
            "Cannot read tensor "
                + quote(t.name())
                + ": shape "
                + Arrays.toString(t.shape())
                + " of "
                + dtypeName(t.dtype())
                + " is "
                + bits
                + " bits, not a whole number of bytes (MisalignedSlice)");
      }
      if ((t.end() - t.begin()) != bits / 8) {
        throw new FormatException(
            "Cannot read tensor "
                + quote(t.name())
                + ": data_offsets ["
                + t.begin()
                + ", "
                + t.end()
                + "] span "
                + (t.end() - t.begin())
                + " bytes, but shape "
                + Arrays.toString(t.shape())
                + " of "
                + dtypeName(t.dtype())
                + " needs "
                + bits / 8
                + " (TensorInvalidInfo)");
      }
      tensors.add(new SafetensorsTensor(t.name(), t.dtype(), t.shape(), t.begin(), t.end()));
    }
    if (headerEnd + start != fileLength) {
      throw new FormatException(
          "Cannot read safetensors file: the tensor data ends at byte "
              + (headerEnd + start)
              + ", but the file has "
              + fileLength
              + " bytes (MetadataIncompleteBuffer; "
              + (headerEnd + start > fileLength ? "truncated file?" : "trailing bytes")
              + ")");
    }
    return new SafetensorsFile(n, metadata, tensors);
  }

  /** N, the length of the JSON header including its padding. */
  public long headerLength() {
    return headerLength;
  }

  /** {@code 8 + N}: the file offset that tensor {@code begin}/{@code end} offsets count from. */
  public long dataStart() {
    return 8 + headerLength;
  }

  /** The {@code __metadata__} strings in header order; empty if there are none. Unmodifiable. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** All tensors in data offset order. Unmodifiable. */
  public List<SafetensorsTensor> tensors() {
    return tensors;
  }

  public Optional<SafetensorsTensor> tensor(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + tensors.size() + " tensors, header " + headerLength + " bytes]";
  }

  /** Checks the whole header in bounded memory, before JSON parsing, as the reference does. */
  private static void checkUtf8(byte[] header) throws FormatException {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(header);
    CharBuffer out = CharBuffer.allocate(8192);
    while (true) {
      CoderResult result = decoder.decode(in, out, true);
      if (result.isError()) {
        throw new FormatException(
            "Cannot read safetensors header: invalid UTF-8 at file offset "
                + (8 + in.position())
                + " (InvalidHeader)");
      }
      if (result.isUnderflow()) {
        return;
      }
      out.clear();
    }
  }

  private static void readMetadata(Object value, Map<String, String> metadata)
      throws FormatException {
    if (!(value instanceof Map)) {
      throw invalidHeader("__metadata__ is " + describe(value) + ", expected an object of strings");
    }
    for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
      if (!(e.getValue() instanceof String)) {
        throw invalidHeader(
            "__metadata__ value of "
                + quote((String) e.getKey())
                + " is "
                + describe(e.getValue())
                + ", expected a string");
      }
      metadata.put((String) e.getKey(), (String) e.getValue());
    }
  }

  private static Entry readTensorEntry(String name, Object value) throws FormatException {
    if (!(value instanceof Map)) {
      throw invalidTensor(name, "its entry is " + describe(value) + ", expected an object");
    }
    Map<?, ?> info = (Map<?, ?>) value;
    Object dtypeValue = field(name, info, "dtype");
    if (!(dtypeValue instanceof String)) {
      throw invalidTensor(name, "dtype is " + describe(dtypeValue) + ", expected a string");
    }
    DType dtype =
        DType.fromSafetensorsName((String) dtypeValue)
            .orElseThrow(
                () ->
                    invalidTensor(
                        name,
                        "unknown dtype "
                            + quote((String) dtypeValue)
                            + " (known: "
                            + SafetensorsFormat.REFERENCE_ORDER.stream()
                                .map(SafetensorsFormat::dtypeName)
                                .collect(Collectors.joining(", "))
                            + ")"));
    long[] shape = integers(name, "shape", field(name, info, "shape"), -1);
    long[] offsets = integers(name, "data_offsets", field(name, info, "data_offsets"), 2);
    return new Entry(name, dtype, shape, offsets[0], offsets[1]);
  }

  /** A tensor entry as parsed, before its offsets are validated. */
  private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

  private static Object field(String tensor, Map<?, ?> info, String key) throws FormatException {
    Object value = info.get(key);
    if (value == null) {
      throw invalidTensor(tensor, "its entry has no " + key);
    }
    return value;
  }

  /** A JSON array of non-negative integers, of exactly {@code length} elements unless -1. */
  private static long[] integers(String tensor, String key, Object value, int length)
      throws FormatException {
    String expected =
        length < 0
            ? "an array of non-negative integers"
            : "an array of " + length + " non-negative integers";
    if (!(value instanceof List)) {
      throw invalidTensor(tensor, key + " is " + describe(value) + ", expected " + expected);
    }
    List<?> list = (List<?>) value;
    if (length >= 0 && list.size() != length) {
      throw invalidTensor(tensor, key + " has " + list.size() + " elements, expected " + expected);
    }
    long[] result = new long[list.size()];
    for (int i = 0; i < result.length; i++) {
      Object element = list.get(i);
      if (!(element instanceof Long) || (Long) element < 0 || (Long) element > MAX_INTEGER) {
        throw invalidTensor(
            tensor,
            key
                + "["
                + i
                + "] is "
                + describe(element)
                + ", expected an integer in [0, "
                + MAX_INTEGER
                + "]");
      }
      result[i] = (Long) element;
    }
    return result;
  }

  private static String describe(Object value) {
    if (value instanceof Map) {
      return "an object";
    } else if (value instanceof List) {
      return "an array";
    } else if (value instanceof String) {
      return "the string " + quote((String) value);
    } else if (value instanceof Long
        || value instanceof BigInteger
        || value instanceof BigDecimal) {
      String text = value.toString();
      return "the number " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    } else if (value == JsonNull.INSTANCE) {
      return "null";
    } else {
      return String.valueOf(value);
    }
  }

  private static FormatException invalidHeader(String reason) {
    return new FormatException(
        "Cannot read safetensors header: " + reason + " (InvalidHeaderDeserialization)");
  }

  private static FormatException invalidTensor(String name, String reason) {
    return new FormatException(
        "Cannot read tensor " + quote(name) + ": " + reason + " (InvalidHeaderDeserialization)");
  }
}
