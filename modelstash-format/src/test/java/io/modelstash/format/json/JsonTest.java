package io.modelstash.format.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.FormatException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

  private static Object parse(String text) throws FormatException {
    return Json.parse(text.getBytes(StandardCharsets.UTF_8));
  }

  private static Object parseBytes(int... bytes) throws FormatException {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return Json.parse(b);
  }

  @Test
  void parsesLiteralsAndNumbersIntoTheDocumentedTypes() throws Exception {
    assertThat(parse("true")).isEqualTo(Boolean.TRUE);
    assertThat(parse("false")).isEqualTo(Boolean.FALSE);
    assertThat(parse("null")).isSameAs(JsonNull.INSTANCE);
    assertThat(parse("0")).isEqualTo(0L);
    assertThat(parse("-0")).isEqualTo(0L);
    assertThat(parse("123")).isEqualTo(123L);
    assertThat(parse("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
    assertThat(parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
    assertThat(parse("9223372036854775808")).isEqualTo(new BigInteger("9223372036854775808"));
    assertThat(parse("-99999999999999999999")).isEqualTo(new BigInteger("-99999999999999999999"));
    assertThat(parse("1.50")).isEqualTo(new BigDecimal("1.50"));
    assertThat(parse("1e3")).isEqualTo(new BigDecimal("1e3"));
    assertThat(parse("-2.5E-7")).isEqualTo(new BigDecimal("-2.5E-7"));
    assertThat(parse("1E+400")).isEqualTo(new BigDecimal("1E+400"));
  }

  @Test
  void parsesStringsWithEveryEscapeAndRawUtf8() throws Exception {
    assertThat(parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"")).isEqualTo("\" \\ / \b \f \n \r \t");
    assertThat(parse("\"\\u0041\\u00e9\\u00E9\\u4e2d\"")).isEqualTo("Aéé中");
    assertThat(parse("\"\\ud83d\\ude00\"")).isEqualTo("😀");
    assertThat(parse("\"é中😀\u007f\"")).isEqualTo("é中😀\u007f");
    assertThat(parse("\"\\u0000\"")).isEqualTo("\0");
    assertThat(parse("\"\"")).isEqualTo("");
  }

  @Test
  void parsesLongEscapedStringsAfterShortOnes() throws Exception {
    String longText = "é\n".repeat(5000);
    Object parsed = parse("[\"\\u00e9\", \"" + longText.replace("\n", "\\n") + "\", \"\\t\"]");
    assertThat(parsed).isEqualTo(List.of("é", longText, "\t"));
  }

  @Test
  void keepsObjectKeysInDocumentOrder() throws Exception {
    Object value = parse(" {\"z\":1, \"a\":[true,null,{}], \"m\":{\"x\":\"y\"}} ");
    assertThat(value).isInstanceOf(LinkedHashMap.class);
    assertThat(new ArrayList<Object>(((Map<?, ?>) value).keySet())).containsExactly("z", "a", "m");
    assertThat(((Map<?, ?>) value).get("a")).isEqualTo(List.of(true, JsonNull.INSTANCE, Map.of()));
  }

  @Test
  void acceptsJsonWhitespaceAroundEveryToken() throws Exception {
    assertThat(parse(" \t\r\n[ 1 ,\n2\t, { \"a\" : \"b\" } ] \r\n"))
        .isEqualTo(List.of(1L, 2L, Map.of("a", "b")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "{",
        "[",
        "[1,]",
        "[,1]",
        "[1 2]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "{1:1}",
        "{'a':1}",
        "01",
        "-01",
        "1.",
        ".5",
        "+1",
        "-",
        "1e",
        "1e+",
        "1.e3",
        "0x10",
        "NaN",
        "Infinity",
        "-Infinity",
        "tru",
        "True",
        "nul",
        "nulll",
        "\"abc",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\u12G4\"",
        "\"\\U0041\"",
        "\"a\tb\"",
        "\"a\nb\"",
        "[1] x",
        "{} {}",
        "1 2",
        "{\"a\":1,\"a\":2}",
        "{\"a\":{\"b\":1,\"b\":1}}",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\\ud800x\"",
        "\"\\ude00\\ud83d\"",
        "\"\\ud800\\ud800\"",
        "\ufeff{}",
        "// comment\n1",
        "[1,2]/*x*/",
        "1e99999999999",
      })
  void refusesInvalidJson(String text) {
    assertThatThrownBy(() -> parse(text))
        .isInstanceOf(FormatException.class)
        .hasMessageStartingWith("Cannot parse JSON at byte ");
  }

  @Test
  void errorMessagesNameTheOffsetAndTheProblem() {
    assertThatThrownBy(() -> parse("{\"a\":1,\"a\":2}"))
        .hasMessage("Cannot parse JSON at byte 7: duplicate key \"a\" (keys must be unique)");
    assertThatThrownBy(() -> parse("[1] x"))
        .hasMessage("Cannot parse JSON at byte 4: unexpected 'x' after the JSON value");
    assertThatThrownBy(() -> parse("\"\\ud800\""))
        .hasMessageContaining("at byte 1: unpaired surrogate \\uD800");
    assertThatThrownBy(() -> parseBytes('"', 0xC0, 0x80, '"'))
        .hasMessage("Cannot parse JSON at byte 1: invalid UTF-8 lead byte 0xC0");
  }

  @Test
  void refusesInvalidUtf8InStrings() {
    int[][] cases = {
      {0xC0, 0x80}, // overlong NUL
      {0xC1, 0xBF}, // overlong
      {0xE0, 0x80, 0x80}, // overlong 3-byte
      {0xED, 0xA0, 0x80}, // encoded surrogate U+D800
      {0xED, 0xBF, 0xBF}, // encoded surrogate U+DFFF
      {0xF0, 0x80, 0x80, 0x80}, // overlong 4-byte
      {0xF4, 0x90, 0x80, 0x80}, // above U+10FFFF
      {0xF5, 0x80, 0x80, 0x80},
      {0xFF},
      {0x80}, // lone continuation byte
      {0xE2, 0x82}, // truncated before the closing quote
      {0xE2, 0x28, 0xA1},
      {0xF0, 0x9F, 0x98}, // truncated 4-byte
    };
    for (int[] bad : cases) {
      int[] doc = new int[bad.length + 2];
      doc[0] = '"';
      System.arraycopy(bad, 0, doc, 1, bad.length);
      doc[doc.length - 1] = '"';
      assertThatThrownBy(() -> parseBytes(doc))
          .as("bytes %s", java.util.Arrays.toString(bad))
          .isInstanceOf(FormatException.class)
          .hasMessageContaining("UTF-8");
    }
  }

  @Test
  void refusesNonAsciiOutsideStrings() {
    assertThatThrownBy(() -> parseBytes('[', 0xC3, 0xA9, ']')).isInstanceOf(FormatException.class);
  }

  @Test
  void boundsNestingDepthWithoutStackOverflow() throws Exception {
    assertThat(parse("[".repeat(64) + "]".repeat(64))).isInstanceOf(List.class);
    assertThatThrownBy(() -> parse("[".repeat(65) + "]".repeat(65)))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("nesting deeper than 64 levels");
    assertThatThrownBy(() -> parse("{\"a\":".repeat(65) + "1" + "}".repeat(65)))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("nesting deeper than 64 levels");
    assertThatThrownBy(() -> parse("[".repeat(1_000_000)))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("nesting deeper");
    Json.Limits shallow = new Json.Limits(1, 100, 10_000);
    assertThat(Json.parse("[1]".getBytes(StandardCharsets.UTF_8), shallow)).isEqualTo(List.of(1L));
    assertThatThrownBy(() -> Json.parse("[[1]]".getBytes(StandardCharsets.UTF_8), shallow))
        .isInstanceOf(FormatException.class);
  }

  @Test
  void boundsInputSizeAndTreeMemory() {
    Json.Limits small = new Json.Limits(64, 10, 1 << 20);
    assertThatThrownBy(() -> Json.parse("\"0123456789\"".getBytes(StandardCharsets.UTF_8), small))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("input has 12 bytes, more than the limit of 10");

    // Each 8-byte "kN":{} entry costs far more heap than its text; the budget stops it early.
    StringBuilder doc = new StringBuilder("{");
    for (int i = 0; i < 100_000; i++) {
      doc.append(i == 0 ? "" : ",").append("\"").append(i).append("\":{}");
    }
    doc.append('}');
    byte[] bytes = doc.toString().getBytes(StandardCharsets.UTF_8);
    Json.Limits budget = new Json.Limits(64, bytes.length, 4L << 20);
    assertThatThrownBy(() -> Json.parse(bytes, budget))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("memory budget");
    Json.Limits enough = new Json.Limits(64, bytes.length, 64L << 20);
    assertThatCode(() -> Json.parse(bytes, enough)).doesNotThrowAnyException();

    String longString = "\"" + "x".repeat(1000) + "\"";
    assertThatThrownBy(
            () ->
                Json.parse(
                    longString.getBytes(StandardCharsets.UTF_8), new Json.Limits(64, 2000, 1000)))
        .hasMessageContaining("memory budget");
  }

  @Test
  void refusesOverlongNumbers() throws Exception {
    String ok = "1".repeat(JsonParser.MAX_NUMBER_CHARS);
    assertThat(parse(ok)).isEqualTo(new BigInteger(ok));
    assertThatThrownBy(() -> parse(ok + "1"))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("number longer than 1000 characters");
  }

  @Test
  void serializesCompactlyWithSerdeJsonEscaping() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("s", "q\" b\\ s/ \b\t\n\f\r \u0001\u001f \u007f é 😀 \u2028");
    doc.put("n", List.of(1L, -2, (short) 3, (byte) 4, new BigInteger("123456789012345678901")));
    doc.put("d", List.of(new BigDecimal("1.50"), new BigDecimal("1E+3"), new BigDecimal("15")));
    doc.put("b", List.of(true, false, JsonNull.INSTANCE));
    doc.put("e", Map.of());
    assertThat(Json.serialize(doc))
        .isEqualTo(
            "{\"s\":\"q\\\" b\\\\ s/ \\b\\t\\n\\f\\r \\u0001\\u001f \u007f é 😀 \u2028\","
                + "\"n\":[1,-2,3,4,123456789012345678901],"
                + "\"d\":[1.50,1E+3,15E0],"
                + "\"b\":[true,false,null],"
                + "\"e\":{}}");
  }

  @Test
  void serializeRefusesValuesWithoutAnExactJsonForm() {
    assertThatThrownBy(() -> Json.serialize(1.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Json.serialize("a\ud800b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
    assertThatThrownBy(() -> Json.serialize("\udc00")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Json.serialize(new ArrayList<>(java.util.Arrays.asList(1L, null))))
        .isInstanceOf(IllegalArgumentException.class);
    Map<Object, Object> intKey = new HashMap<>();
    intKey.put(1, "x");
    assertThatThrownBy(() -> Json.serialize(intKey)).isInstanceOf(IllegalArgumentException.class);
    List<Object> cycle = new ArrayList<>();
    cycle.add(cycle);
    assertThatThrownBy(() -> Json.serialize(cycle))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nesting deeper");
  }

  @Test
  void parsesWhatItSerializes() throws Exception {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("big", new BigDecimal("15"));
    doc.put("neg", new BigDecimal("-1E-9"));
    doc.put("text", "line\nbreak \u0000 \ud83d\ude00");
    doc.put("nested", List.of(List.of(), Map.of("k", JsonNull.INSTANCE)));
    assertThat(Json.parse(Json.serialize(doc).getBytes(StandardCharsets.UTF_8))).isEqualTo(doc);
  }

  @Test
  void quoteIsOneLineAndCutsLongStrings() {
    assertThat(Json.quote("a\nb\ud800\u0085\u2028", 100))
        .isEqualTo("\"a\\nb\\ud800\\u0085\\u2028\"");
    assertThat(Json.quote("abcdef", 3)).isEqualTo("\"abc\"...");
    assertThat(Json.quote("ab😀", 3)).isEqualTo("\"ab\"...");
  }
}
