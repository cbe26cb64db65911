package io.modelstash.format.safetensors;

import static io.modelstash.format.safetensors.Fixtures.bytes;
import static io.modelstash.format.safetensors.Fixtures.entry;
import static io.modelstash.format.safetensors.Fixtures.file;
import static io.modelstash.format.safetensors.Fixtures.pattern;
import static io.modelstash.format.safetensors.Fixtures.withPrefix;
import static io.modelstash.format.safetensors.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.ByteSource;
import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafetensorsFileTest {

  private static SafetensorsFile read(byte[] file) throws Exception {
    return SafetensorsFile.read(ByteSource.wrap(file));
  }

  private static String tensor(String name, String dtype, String shape, long begin, long end) {
    return "\""
        + name
        + "\":{\"dtype\":\""
        + dtype
        + "\",\"shape\":"
        + shape
        + ",\"data_offsets\":["
        + begin
        + ","
        + end
        + "]}";
  }

  private static void assertRefused(byte[] file, String... messageParts) {
    assertThatThrownBy(() -> read(file))
        .isInstanceOf(FormatException.class)
        .hasMessageStartingWith("Cannot read ")
        .hasMessageContainingAll(messageParts)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void roundTripsEveryDtypeWithItsData(@TempDir Path dir) throws Exception {
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    for (DType dtype : DType.values()) {
      if (dtype.safetensorsName().isPresent()) {
        long[] shape = dtype.bits() % 8 == 0 ? new long[] {2, 3} : new long[] {4, 2};
        entries.add(entry("t." + dtype.torchName(), dtype, shape));
      }
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put("note", "ünïcødé 😀 \"quoted\"\n");
    byte[] bytes = write(metadata, entries);
    Path path = dir.resolve("all.safetensors");
    Files.write(path, bytes);

    try (ByteSource src = ByteSource.open(path)) {
      SafetensorsFile file = SafetensorsFile.read(src);
      assertThat(file.metadata()).isEqualTo(metadata);
      assertThat(file.tensors()).hasSize(entries.size());
      assertThat(file.dataStart()).isEqualTo(8 + file.headerLength());
      for (SafetensorsWriter.Entry e : entries) {
        SafetensorsTensor t = file.tensor(e.name()).orElseThrow();
        assertThat(t.dtype()).isEqualTo(e.dtype());
        assertThat(t.shape()).isEqualTo(e.shape());
        byte[] data = src.read(file.dataStart() + t.begin(), (int) t.byteLength());
        assertThat(data).isEqualTo(pattern(e.name(), e.dtype(), e.shape()));
      }
      assertTiles(file, src.size());
    }
  }

  @Test
  void roundTripsScalarsZeroSizeTensorsAndEmptyFiles() throws Exception {
    byte[] bytes =
        write(
            null,
            List.of(
                entry("scalar", DType.FLOAT64),
                entry("empty", DType.FLOAT32, 0),
                entry("empty2", DType.INT64, 3, 0, 2),
                entry("one", DType.UINT8, 1)));
    SafetensorsFile file = read(bytes);
    assertThat(file.tensor("scalar").orElseThrow().shape()).isEmpty();
    assertThat(file.tensor("scalar").orElseThrow().byteLength()).isEqualTo(8);
    assertThat(file.tensor("empty").orElseThrow().byteLength()).isZero();
    assertThat(file.tensor("empty2").orElseThrow().shape()).containsExactly(3, 0, 2);
    assertThat(file.metadata()).isEmpty();
    assertTiles(file, bytes.length);

    SafetensorsFile empty = read(write(null, List.of()));
    assertThat(empty.tensors()).isEmpty();
    assertThat(empty.headerLength()).isEqualTo(8);
  }

  @Test
  void roundTripsManyTensors() throws Exception {
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      entries.add(
          entry("layer." + i + ".weight", i % 3 == 0 ? DType.BFLOAT16 : DType.FLOAT32, i % 5, 2));
    }
    byte[] bytes = write(Map.of("k", "v"), entries);
    SafetensorsFile file = read(bytes);
    assertThat(file.tensors()).hasSize(2000);
    assertThat(file.tensor("layer.1999.weight")).isPresent();
    assertThat(file.tensor("layer.2000.weight")).isEmpty();
    assertTiles(file, bytes.length);
  }

  @Test
  void acceptsWhatOtherWritersProduce() throws Exception {
    // Unpadded, leading and trailing JSON whitespace, keys out of offset order, metadata last,
    // unknown fields inside entries, zero-size tensors sharing an offset.
    String header =
        " \n\t{"
            + tensor("b", "I16", "[2]", 4, 8)
            + ","
            + "\"z0\":{\"shape\":[0],\"data_offsets\":[4,4],\"dtype\":\"F32\",\"extra\":{\"x\":[1,null]}},"
            + tensor("a", "U8", "[2,2]", 0, 4)
            + ","
            + tensor("z1", "F64", "[0,7]", 4, 4)
            + ",\"__metadata__\":{\"k\":\"v\"}} \r\n";
    SafetensorsFile file = read(file(header, 8));
    assertThat(file.headerLength()).isEqualTo(header.getBytes(StandardCharsets.UTF_8).length);
    assertThat(file.tensors())
        .extracting(SafetensorsTensor::name)
        .containsExactly("a", "z0", "z1", "b");
    assertThat(file.metadata()).containsExactly(Map.entry("k", "v"));
  }

  @Test
  void tensorsAndMetadataAreImmutable() throws Exception {
    SafetensorsFile file = read(write(Map.of("a", "b"), List.of(entry("w", DType.UINT8, 2))));
    assertThatThrownBy(() -> file.tensors().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> file.metadata().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    file.tensors().get(0).shape()[0] = 5;
    assertThat(file.tensors().get(0).shape()).containsExactly(2);
  }

  // Each refusal below, in the reference order.

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 7})
  void refusesFilesShorterThanTheLengthPrefix(int length) {
    assertRefused(new byte[length], "it has " + length + " bytes", "(HeaderTooSmall)");
  }

  @Test
  void refusesHeadersOverTheLimit() {
    assertRefused(withPrefix(100_000_001L, new byte[16]), "100000001", "(HeaderTooLarge");
    assertRefused(withPrefix(-1L, new byte[16]), "18446744073709551615", "(HeaderTooLarge");
    assertRefused(withPrefix(1L << 63, new byte[16]), "9223372036854775808", "(HeaderTooLarge");
  }

  @Test
  void refusesHeadersPastTheEndOfTheFile() {
    assertRefused(
        withPrefix(9, "{}       ".substring(0, 8).getBytes(StandardCharsets.US_ASCII)),
        "ends at byte 17, past the end of the 16-byte file",
        "(InvalidHeaderLength");
    assertRefused(withPrefix(100_000_000L, new byte[0]), "(InvalidHeaderLength");
  }

  @Test
  void refusesInvalidUtf8BeforeJsonErrors() {
    // The JSON is broken too (0xFF after the object), but UTF-8 is checked first.
    assertRefused(
        file(bytes('{', '}', 0xFF), new byte[0]),
        "invalid UTF-8 at file offset 10",
        "(InvalidHeader)");
    assertRefused(
        file(bytes('{', '"', 0xED, 0xA0, 0x80, '"', ':', '1', '}'), new byte[0]),
        "invalid UTF-8",
        "(InvalidHeader)");
    assertRefused(file(bytes('{', '"', 0xC0, 0x80, '"', '}'), new byte[0]), "(InvalidHeader)");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "{}x",
        "{}{}",
        "\ufeff{}",
        "{\"a\":1,}",
        "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
            + "\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
        "{\"w\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
        "{\"w\":{\"dtype\":\"\\ud800\",\"shape\":[1],\"data_offsets\":[0,1]}}",
      })
  void refusesInvalidJson(String header) {
    assertRefused(file(header, 1), "(InvalidHeaderDeserialization)", "Cannot parse JSON at byte");
  }

  @Test
  void refusesHeadersThatAreNotObjects() {
    assertRefused(file("[]", 0), "the header is an array, expected a JSON object");
    assertRefused(file("\"x\"", 0), "the header is the string \"x\"");
    assertRefused(file("null", 0), "the header is null");
  }

  @Test
  void refusesMetadataThatIsNotStringToString() {
    assertRefused(
        file("{\"__metadata__\":[]}", 0),
        "__metadata__ is an array, expected an object of strings");
    assertRefused(file("{\"__metadata__\":null}", 0), "__metadata__ is null");
    assertRefused(file("{\"__metadata__\":\"x\"}", 0), "__metadata__ is the string");
    assertRefused(
        file("{\"__metadata__\":{\"a\":\"b\",\"n\":1}}", 0),
        "value of \"n\" is the number 1, expected a string",
        "(InvalidHeaderDeserialization)");
    assertRefused(file("{\"__metadata__\":{\"o\":{}}}", 0), "value of \"o\" is an object");
    assertRefused(file("{\"__metadata__\":{\"o\":null}}", 0), "value of \"o\" is null");
  }

  @Test
  void refusesMalformedTensorEntries() {
    String ok = "\"shape\":[1],\"data_offsets\":[0,1]";
    assertRefused(
        file("{\"w\":[]}", 1),
        "tensor \"w\": its entry is an array, expected an object",
        "(InvalidHeaderDeserialization)");
    assertRefused(file("{\"w\":{" + ok + "}}", 1), "tensor \"w\": its entry has no dtype");
    assertRefused(file("{\"w\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", 1), "has no shape");
    assertRefused(file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1), "has no data_offsets");
    assertRefused(
        file("{\"w\":{\"dtype\":8," + ok + "}}", 1), "dtype is the number 8, expected a string");
    assertRefused(
        file("{\"w\":{\"dtype\":\"Q4_K\"," + ok + "}}", 1),
        "unknown dtype \"Q4_K\"",
        "known: BOOL, F4,");
    assertRefused(file("{\"w\":{\"dtype\":\"f32\"," + ok + "}}", 1), "unknown dtype \"f32\"");
    assertRefused(file("{\"w\":{\"dtype\":\"C128\"," + ok + "}}", 1), "unknown dtype \"C128\"");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"1\"",
        "-1",
        "1.0",
        "1e0",
        "1E2",
        "0.5",
        "9007199254740992",
        "18446744073709551616",
        "null",
        "true",
        "[1]"
      })
  void refusesShapeDimensionsThatAreNotNonNegativeIntegers(String dim) {
    assertRefused(
        file("{\"w\":{\"dtype\":\"U8\",\"shape\":[" + dim + "],\"data_offsets\":[0,1]}}", 1),
        "tensor \"w\": shape[0] is ",
        "expected an integer in [0, 9007199254740991]");
  }

  @Test
  void refusesMalformedDataOffsets() {
    String prefix = "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":";
    assertRefused(file(prefix + "[0]}}", 1), "data_offsets has 1 elements, expected an array of 2");
    assertRefused(file(prefix + "[0,1,2]}}", 1), "data_offsets has 3 elements");
    assertRefused(file(prefix + "{}}}", 1), "data_offsets is an object");
    assertRefused(file(prefix + "[-1,1]}}", 1), "data_offsets[0] is the number -1");
    assertRefused(file(prefix + "[0,1.0]}}", 1), "data_offsets[1] is the number 1.0");
  }

  @Test
  void refusesGapsOverlapsAndBackwardRanges() {
    assertRefused(
        file("{" + tensor("w", "U8", "[1]", 1, 2) + "}", 2),
        "tensor \"w\": data_offsets [1, 2] should begin at 0, the start of the data",
        "(InvalidOffset");
    assertRefused(
        file("{" + tensor("a", "U8", "[1]", 0, 1) + "," + tensor("b", "U8", "[1]", 2, 3) + "}", 3),
        "tensor \"b\": data_offsets [2, 3] should begin at 1, the end of the previous tensor",
        "(InvalidOffset");
    assertRefused(
        file("{" + tensor("a", "U8", "[2]", 0, 2) + "," + tensor("b", "U8", "[2]", 1, 3) + "}", 3),
        "tensor \"b\"",
        "should begin at 2",
        "(InvalidOffset");
    assertRefused(
        file("{" + tensor("w", "U8", "[0]", 0, 0) + "," + tensor("v", "U8", "[0]", 1, 0) + "}", 0),
        "tensor \"v\": data_offsets [1, 0] end before they begin",
        "(InvalidOffset");
    // Two tensors on the same bytes: aliasing is not allowed.
    assertRefused(
        file("{" + tensor("a", "U8", "[2]", 0, 2) + "," + tensor("b", "U8", "[2]", 0, 2) + "}", 2),
        "should begin at 2",
        "(InvalidOffset");
  }

  @Test
  void refusesSizesThatOverflow() {
    assertRefused(
        file("{" + tensor("w", "F64", "[9007199254740991,9007199254740991]", 0, 8) + "}", 8),
        "tensor \"w\": the size of shape [9007199254740991, 9007199254740991] of F64 overflows",
        "(ValidationOverflow)");
  }

  @Test
  void refusesSubByteTensorsThatDoNotFillWholeBytes() {
    assertRefused(
        file("{" + tensor("w", "F4", "[3]", 0, 2) + "}", 2),
        "tensor \"w\": shape [3] of F4 is 12 bits, not a whole number of bytes",
        "(MisalignedSlice)");
    assertRefused(
        file("{" + tensor("w", "F6_E2M3", "[1,3]", 0, 3) + "}", 3), "18 bits", "(MisalignedSlice)");
  }

  @Test
  void refusesRangesThatDoNotMatchTheShape() {
    assertRefused(
        file("{" + tensor("w", "F32", "[2]", 0, 4) + "}", 4),
        "tensor \"w\": data_offsets [0, 4] span 4 bytes, but shape [2] of F32 needs 8",
        "(TensorInvalidInfo)");
    assertRefused(
        file("{" + tensor("w", "F32", "[]", 0, 8) + "}", 8), "needs 4", "(TensorInvalidInfo)");
  }

  @Test
  void refusesTrailingBytesAndTruncatedData() {
    assertRefused(
        file("{" + tensor("w", "U8", "[2]", 0, 2) + "}", 3),
        "but the file has",
        "(MetadataIncompleteBuffer; trailing bytes)");
    assertRefused(
        file("{" + tensor("w", "U8", "[2]", 0, 2) + "}", 1),
        "(MetadataIncompleteBuffer; truncated file?)");
    assertRefused(file("{}", 1), "the tensor data ends at byte 10, but the file has 11 bytes");
  }

  @Test
  void reportsTheFirstProblemInReferenceOrder() {
    // An offset error in one tensor and an unknown dtype in another: the header is
    // deserialized (and refused) before offsets are validated.
    assertRefused(
        file("{" + tensor("a", "U8", "[1]", 5, 6) + "," + tensor("b", "X9", "[1]", 0, 1) + "}", 1),
        "unknown dtype \"X9\"");
    // Validation runs in offset order, not header order.
    assertRefused(
        file(
            "{"
                + tensor("late", "F32", "[1]", 1, 5)
                + ","
                + tensor("early", "U8", "[2]", 0, 1)
                + "}",
            5),
        "tensor \"early\"",
        "(TensorInvalidInfo)");
  }

  @Test
  void messagesStayOnOneLineWhateverTheNames() {
    String name = "evil\\nname\\u0000\\u2028" + "x".repeat(1000);
    assertRefused(
        file("{" + tensor(name, "F32", "[2]", 0, 4) + "}", 4),
        "tensor \"evil\\nname\\u0000\\u2028xxx",
        "...",
        "(TensorInvalidInfo)");
  }

  @Test
  void refusesHeadersWhoseParsedFormWouldNotFitTheMemoryBudget() {
    // 6 MB of tiny distinct entries: valid JSON, but about 20 bytes of heap per byte of text.
    StringBuilder header = new StringBuilder("{\"__metadata__\":{");
    for (int i = 0; i < 600_000; i++) {
      header.append(i == 0 ? "" : ",").append('"').append(i).append("\":\"\"");
    }
    header.append("}}");
    assertRefused(file(header.toString(), 0), "memory budget", "(InvalidHeaderDeserialization)");
  }

  private static void assertTiles(SafetensorsFile file, long fileLength) throws Exception {
    long expected = 0;
    for (SafetensorsTensor t : file.tensors()) {
      assertThat(t.begin()).isEqualTo(expected);
      assertThat(t.byteLength()).isEqualTo(SafetensorsWriter.nbytes(t.dtype(), t.shape()));
      expected = t.end();
    }
    assertThat(file.dataStart() + expected).isEqualTo(fileLength);
  }
}
