package io.modelstash.format.safetensors;

import static io.modelstash.format.safetensors.Fixtures.bytes;
import static io.modelstash.format.safetensors.Fixtures.entry;
import static io.modelstash.format.safetensors.Fixtures.header;
import static io.modelstash.format.safetensors.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.ByteSource;
import io.modelstash.format.DType;
import io.modelstash.format.DataWriter;
import io.modelstash.format.FormatException;
import io.modelstash.format.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafetensorsWriterTest {

  private static final byte[] F32_0_TO_5 =
      ByteBuffer.allocate(24)
          .order(ByteOrder.LITTLE_ENDIAN)
          .putFloat(0)
          .putFloat(1)
          .putFloat(2)
          .putFloat(3)
          .putFloat(4)
          .putFloat(5)
          .array();

  // The next three expected outputs are copied from the reference crate's own tests
  // (safetensors/src/tensor.rs: test_serialization, test_serialization_forced_alignement,
  // test_empty), which pin the bytes its writer produces.

  @Test
  void matchesReferenceTestSerialization() throws Exception {
    byte[] out =
        write(
            null,
            List.of(
                new SafetensorsWriter.Entry(
                    "attn.0", DType.FLOAT32, new long[] {1, 2, 3}, DataWriter.of(F32_0_TO_5))));
    assertThat(out)
        .isEqualTo(
            bytes(
                64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
                116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
                58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
                101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
                0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64));
  }

  @Test
  void matchesReferenceTestSerializationForcedAlignment() throws Exception {
    byte[] out =
        write(
            null,
            List.of(
                new SafetensorsWriter.Entry(
                    "attn0", DType.FLOAT32, new long[] {1, 1, 2, 3}, DataWriter.of(F32_0_TO_5))));
    assertThat(out)
        .isEqualTo(
            bytes(
                72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
                121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
                91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
                115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
                32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
                160, 64));
  }

  @Test
  void matchesReferenceTestEmpty() throws Exception {
    assertThat(write(null, List.of()))
        .isEqualTo(bytes(8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32));
    assertThat(write(Map.of("framework", "pt"), List.of()))
        .isEqualTo(
            bytes(
                40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
                95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
                116, 34, 125, 125, 32, 32, 32, 32, 32));
  }

  @Test
  void layoutFollowsTheSpecByHand() throws Exception {
    List<SafetensorsWriter.Entry> entries =
        List.of(
            new SafetensorsWriter.Entry(
                "b", DType.INT8, new long[] {3}, DataWriter.of(bytes(1, 2, 3))),
            new SafetensorsWriter.Entry("d", DType.BOOL, new long[] {0, 5}, DataWriter.of(bytes())),
            new SafetensorsWriter.Entry(
                "c", DType.FLOAT4_E2M1FN, new long[] {2}, DataWriter.of(bytes(0x21))),
            new SafetensorsWriter.Entry(
                "a", DType.FLOAT32, new long[] {}, DataWriter.of(bytes(0, 0, 0x80, 0x3F))));
    String json =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
            + "\"b\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[4,7]},"
            + "\"c\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[7,8]},"
            + "\"d\":{\"dtype\":\"BOOL\",\"shape\":[0,5],\"data_offsets\":[8,8]}}";
    assertThat(json.length()).isEqualTo(213);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(bytes(216, 0, 0, 0, 0, 0, 0, 0));
    expected.write(json.getBytes(StandardCharsets.US_ASCII));
    expected.write("   ".getBytes(StandardCharsets.US_ASCII));
    expected.write(bytes(0, 0, 0x80, 0x3F, 1, 2, 3, 0x21));
    assertThat(write(Map.of(), entries)).isEqualTo(expected.toByteArray());
  }

  @Test
  void sortsByDescendingReferenceDtypeOrderThenByName() throws Exception {
    List<String> descending =
        List.of(
            "U64",
            "I64",
            "F64",
            "C64",
            "F32",
            "U32",
            "I32",
            "BF16",
            "F16",
            "U16",
            "I16",
            "F8_E5M2FNUZ",
            "F8_E4M3FNUZ",
            "F8_E8M0",
            "F8_E4M3",
            "F8_E5M2",
            "I8",
            "U8",
            "F6_E3M2",
            "F6_E2M3",
            "F4",
            "BOOL");
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    for (DType dtype : DType.values()) {
      if (dtype.safetensorsName().isPresent()) {
        // Names in the opposite order, so that sorting by name alone would fail.
        String name = "t" + (100 - descending.indexOf(dtype.safetensorsName().get()));
        entries.add(entry(name, dtype, dtype.bits() % 8 == 0 ? 3 : 8));
      }
    }
    Collections.shuffle(entries, new java.util.Random(1));
    assertThat(entries).hasSize(descending.size());
    byte[] out = write(null, entries);

    Map<?, ?> header = (Map<?, ?>) Json.parse(header(out).getBytes(StandardCharsets.UTF_8));
    List<Object> order = new ArrayList<>();
    for (Object info : header.values()) {
      order.add(((Map<?, ?>) info).get("dtype"));
    }
    assertThat(order).isEqualTo(descending);

    SafetensorsFile file = SafetensorsFile.read(ByteSource.wrap(out));
    assertThat(file.dataStart() % 8).isZero();
    for (SafetensorsTensor t : file.tensors()) {
      // Descending order keeps every tensor aligned to its element size in the file.
      int unit = Math.max(1, t.dtype().bits() / 8);
      assertThat((file.dataStart() + t.begin()) % unit).as(t.name()).isZero();
    }
  }

  @Test
  void sortsNamesByCodePointLikeRustStrings() throws Exception {
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    for (String name : List.of("b", "\ud83d\ude00", "a", "\ue000", "B", "ab", "")) {
      entries.add(entry(name, DType.UINT8, 1));
    }
    Map<?, ?> header =
        (Map<?, ?>) Json.parse(header(write(null, entries)).getBytes(StandardCharsets.UTF_8));
    // String.compareTo would put U+1F600 (a surrogate pair, 0xD83D...) before U+E000.
    assertThat(new ArrayList<Object>(header.keySet()))
        .containsExactly("", "B", "a", "ab", "b", "\ue000", "\ud83d\ude00");
  }

  @Test
  void writesMetadataFirstWithKeysSorted() throws Exception {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("z", "last");
    metadata.put("format", "pt");
    metadata.put("a", "x\"y\n");
    assertThat(header(write(metadata, List.of(entry("w", DType.INT16, 2)))))
        .isEqualTo(
            "{\"__metadata__\":{\"a\":\"x\\\"y\\n\",\"format\":\"pt\",\"z\":\"last\"},"
                + "\"w\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[0,4]}}");
  }

  @Test
  void omitsEmptyOrAbsentMetadata() throws Exception {
    List<SafetensorsWriter.Entry> one = List.of(entry("w", DType.UINT8, 1));
    assertThat(header(write(Map.of(), one))).isEqualTo(header(write(null, one)));
    assertThat(header(write(Map.of(), one))).doesNotContain("__metadata__");
  }

  @Test
  void escapesNamesLikeSerdeJson() throws Exception {
    String name = "a\u0001\"\\/é\n\u007f😀";
    assertThat(header(write(null, List.of(entry(name, DType.UINT8, 1)))))
        .startsWith("{\"a\\u0001\\\"\\\\/é\\n\u007f😀\":");
  }

  @Test
  void padsTheHeaderWithSpacesToAMultipleOfEight() throws Exception {
    for (int length = 0; length < 12; length++) {
      byte[] out = write(null, List.of(entry("x".repeat(length + 1), DType.UINT8, length)));
      long n = ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      assertThat(n % 8).isZero();
      String raw = new String(out, 8, (int) n, StandardCharsets.UTF_8);
      assertThat(raw).startsWith("{");
      assertThat(raw.substring(raw.lastIndexOf('}') + 1)).matches(" {0,7}");
    }
  }

  @Test
  void refusesInvalidInputBeforeWritingAnything() {
    assertRefused(
        List.of(entry("w", DType.UINT8, 1), entry("w", DType.INT8, 1)),
        "duplicate tensor name \"w\"");
    assertRefused(List.of(entry("__metadata__", DType.UINT8, 1)), "is reserved for metadata");
    assertRefused(List.of(entry("a\ud800", DType.UINT8, 1)), "unpaired surrogate");
    assertRefused(
        List.of(
            new SafetensorsWriter.Entry(
                "c", DType.COMPLEX128, new long[] {1}, DataWriter.of(new byte[16]))),
        "dtype complex128 has no safetensors equivalent");
    assertRefused(
        List.of(
            new SafetensorsWriter.Entry(
                "p", DType.FLOAT4_E2M1FN_X2, new long[] {1}, DataWriter.of(new byte[1]))),
        "has no safetensors equivalent");
    assertRefused(
        List.of(
            new SafetensorsWriter.Entry("n", DType.UINT8, new long[] {-1}, DataWriter.of(bytes()))),
        "shape[0] is -1");
    assertRefused(
        List.of(
            new SafetensorsWriter.Entry(
                "f", DType.FLOAT4_E2M1FN, new long[] {3}, DataWriter.of(bytes()))),
        "12 bits, not a whole number of bytes");
    assertRefused(
        List.of(
            new SafetensorsWriter.Entry(
                "f", DType.FLOAT6_E2M3FN, new long[] {2}, DataWriter.of(bytes()))),
        "12 bits, not a whole number of bytes");
    assertRefused(
        List.of(
            new SafetensorsWriter.Entry(
                "o", DType.UINT8, new long[] {1L << 27, 1L << 27}, DataWriter.of(bytes()))),
        "the data would exceed 9007199254740991 bytes");
    assertRefused(
        List.of(
            new SafetensorsWriter.Entry(
                "o", DType.FLOAT64, new long[] {1L << 40, 1L << 40}, DataWriter.of(bytes()))),
        "overflows");
    assertRefused(
        List.of(
            new SafetensorsWriter.Entry(
                "big", DType.UINT8, new long[] {1L << 53, 0}, DataWriter.of(bytes()))),
        "exceeds 9007199254740991");
  }

  @Test
  void refusesMetadataThatCannotBeEncoded() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThatThrownBy(() -> SafetensorsWriter.write(out, Map.of("k", "\udc00"), List.of()))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("metadata value");
    assertThatThrownBy(() -> SafetensorsWriter.write(out, Map.of("\ud800", "v"), List.of()))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("metadata key");
    assertThat(out.size()).isZero();
  }

  @Test
  void refusesDataWritersThatWriteTheWrongNumberOfBytes() {
    for (byte[] data : List.of(new byte[3], new byte[5])) {
      List<SafetensorsWriter.Entry> entries =
          List.of(
              new SafetensorsWriter.Entry("w", DType.INT32, new long[] {1}, DataWriter.of(data)));
      assertThatThrownBy(() -> write(null, entries))
          .isInstanceOf(FormatException.class)
          .hasMessage(
              "Cannot write tensor \"w\": its data writer wrote "
                  + data.length
                  + " bytes, expected 4 (the output is incomplete; discard it)");
    }
  }

  @Test
  void dataWritersCannotCloseTheOutput() throws Exception {
    boolean[] closed = {false};
    ByteArrayOutputStream out =
        new ByteArrayOutputStream() {
          @Override
          public void close() {
            closed[0] = true;
          }
        };
    DataWriter closing =
        o -> {
          o.write(new byte[] {1, 2});
          o.close();
        };
    SafetensorsWriter.write(
        out,
        null,
        List.of(
            new SafetensorsWriter.Entry("a", DType.INT16, new long[] {1}, closing),
            entry("b", DType.UINT8, 1)));
    assertThat(closed[0]).isFalse();
    assertThat(SafetensorsFile.read(ByteSource.wrap(out.toByteArray())).tensors()).hasSize(2);
  }

  @Test
  void nbytesUsesLogicalElementsAndCheckedMath() throws Exception {
    assertThat(SafetensorsWriter.nbytes(DType.FLOAT32, new long[] {2, 3})).isEqualTo(24);
    assertThat(SafetensorsWriter.nbytes(DType.FLOAT64, new long[] {})).isEqualTo(8);
    assertThat(SafetensorsWriter.nbytes(DType.BFLOAT16, new long[] {7, 0, 9})).isZero();
    assertThat(SafetensorsWriter.nbytes(DType.FLOAT4_E2M1FN, new long[] {2})).isEqualTo(1);
    assertThat(SafetensorsWriter.nbytes(DType.FLOAT4_E2M1FN, new long[] {3, 2})).isEqualTo(3);
    assertThat(SafetensorsWriter.nbytes(DType.FLOAT6_E3M2FN, new long[] {4})).isEqualTo(3);
    assertThat(SafetensorsWriter.nbytes(DType.COMPLEX64, new long[] {2})).isEqualTo(16);
    assertThat(SafetensorsWriter.nbytes(DType.BOOL, new long[] {5})).isEqualTo(5);
    assertThatThrownBy(() -> SafetensorsWriter.nbytes(DType.FLOAT4_E2M1FN, new long[] {1}))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("4 bits, not a whole number of bytes");
    assertThatThrownBy(() -> SafetensorsWriter.nbytes(DType.UINT8, new long[] {Long.MAX_VALUE, 2}))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("overflows");
    assertThatThrownBy(() -> SafetensorsWriter.nbytes(DType.FLOAT64, new long[] {1L << 60}))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("overflows");
    assertThatThrownBy(() -> SafetensorsWriter.nbytes(DType.UINT8, new long[] {3, -2}))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("shape[1] is -2");
  }

  @Test
  void entriesAreImmutable() {
    long[] shape = {2, 3};
    SafetensorsWriter.Entry e =
        new SafetensorsWriter.Entry("w", DType.UINT8, shape, DataWriter.of(bytes()));
    shape[0] = 99;
    e.shape()[1] = 99;
    assertThat(e.shape()).containsExactly(2, 3);
  }

  @Test
  void referenceOrderCoversEverySafetensorsDtype() {
    List<DType> withName = new ArrayList<>();
    for (DType t : DType.values()) {
      if (t.safetensorsName().isPresent()) {
        withName.add(t);
      }
    }
    assertThat(SafetensorsFormat.REFERENCE_ORDER).containsExactlyInAnyOrderElementsOf(withName);
    assertThat(SafetensorsFormat.REFERENCE_ORDER).doesNotHaveDuplicates();
  }

  private static void assertRefused(List<SafetensorsWriter.Entry> entries, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThatThrownBy(() -> SafetensorsWriter.write(out, null, entries))
        .isInstanceOf(FormatException.class)
        .hasMessageStartingWith("Cannot write ")
        .hasMessageContaining(message);
    assertThat(out.size()).as("bytes written").isZero();
  }
}
