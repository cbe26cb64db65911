package io.modelstash.format.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.modelstash.format.FormatException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/** Cross-checks the JSON parser and serializer against Jackson and the JDK's UTF-8 decoder. */
class JsonProperties {

  private static final ObjectMapper JACKSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
          .build();

  private static final Object REJECTED = new Object();

  @Property(tries = 300)
  void parsesExactlyWhatItSerializes(@ForAll("values") Object value) throws Exception {
    String text = Json.serialize(value);
    Object parsed = Json.parse(text.getBytes(StandardCharsets.UTF_8));
    assertThat(parsed).isEqualTo(value);
    // Same key order too: serializing again gives the same text.
    assertThat(Json.serialize(parsed)).isEqualTo(text);
  }

  @Property(tries = 300)
  void jacksonReadsWhatWeWriteAsTheSameValue(@ForAll("values") Object value) throws Exception {
    String text = Json.serialize(value);
    assertThat(fromJackson(JACKSON.readTree(text))).isEqualTo(value);
  }

  @Property(tries = 300)
  void weReadWhatJacksonWritesAsTheSameValue(@ForAll("values") Object value) throws Exception {
    byte[] text = JACKSON.writeValueAsBytes(toJackson(value));
    assertThat(normalize(Json.parse(text))).isEqualTo(normalize(value));
  }

  /**
   * On corrupted documents, whatever we accept Jackson accepts as the same value; whatever Jackson
   * accepts and we refuse is one of our documented extra refusals.
   */
  @Property(tries = 1000)
  void agreesWithJacksonOnCorruptedDocuments(
      @ForAll("values") Object value,
      @ForAll @IntRange(min = 0, max = 3) int operation,
      @ForAll @IntRange(min = 0, max = 10_000) int position,
      @ForAll("interestingBytes") byte b) {
    byte[] doc =
        mutate(Json.serialize(value).getBytes(StandardCharsets.UTF_8), operation, position, b);
    Object ours;
    FormatException ourError = null;
    try {
      ours = Json.parse(doc);
    } catch (FormatException e) {
      ours = REJECTED;
      ourError = e;
    }
    Object theirs;
    try {
      JsonNode node = JACKSON.readTree(new String(doc, StandardCharsets.UTF_8));
      theirs = node == null || node.isMissingNode() ? REJECTED : fromJackson(node);
    } catch (Exception e) {
      theirs = REJECTED;
    }
    if (ours != REJECTED) {
      assertThat(theirs).isEqualTo(ours);
    } else if (theirs != REJECTED && !jacksonReadsNonAsciiAsHexDigit(doc, ourError)) {
      assertThat(ourError.getMessage())
          .as("refused %s", new String(doc, StandardCharsets.UTF_8))
          .containsAnyOf("UTF-8", "surrogate", "exponent");
    }
  }

  /**
   * Jackson 2.x reads a Unicode escape digit through {@code CharTypes.charToHex(ch & 0xFF)}, so it
   * takes U+0830 for '0'. We refuse such escapes.
   */
  private static boolean jacksonReadsNonAsciiAsHexDigit(byte[] doc, FormatException ourError) {
    Matcher m =
        Pattern.compile("at byte (\\d+): invalid \\\\u escape").matcher(ourError.getMessage());
    if (!m.find()) {
      return false;
    }
    int at = Integer.parseInt(m.group(1));
    for (int k = at + 2; k < Math.min(doc.length, at + 6); k++) {
      if (doc[k] < 0) {
        return true;
      }
    }
    return false;
  }

  @Property(tries = 1000)
  void validatesUtf8InStringsLikeTheJdkDecoder(@ForAll("stringBytes") byte[] content) {
    byte[] doc = new byte[content.length + 2];
    doc[0] = '"';
    System.arraycopy(content, 0, doc, 1, content.length);
    doc[doc.length - 1] = '"';
    String expected;
    try {
      expected =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(content))
              .toString();
    } catch (CharacterCodingException e) {
      expected = null;
    }
    Object ours;
    try {
      ours = Json.parse(doc);
    } catch (FormatException e) {
      ours = null;
    }
    assertThat(ours).isEqualTo(expected);
  }

  @Provide
  Arbitrary<Object> values() {
    return value(3);
  }

  @Provide
  Arbitrary<Byte> interestingBytes() {
    String structural = "{}[],:\"\\u0123456789-+.eE tfn\t\n";
    return Arbitraries.oneOf(
        Arbitraries.bytes(),
        Arbitraries.of(structural.chars().boxed().toArray(Integer[]::new))
            .map(c -> (byte) (int) c));
  }

  @Provide
  Arbitrary<byte[]> stringBytes() {
    // Everything but the bytes that end a string or start an escape, biased to non-ASCII.
    Arbitrary<Byte> highBytes = Arbitraries.integers().between(0x80, 0xFF).map(i -> (byte) (int) i);
    Arbitrary<Byte> asciiBytes =
        Arbitraries.integers()
            .between(0x20, 0x7F)
            .filter(i -> i != '"' && i != '\\')
            .map(i -> (byte) (int) i);
    Arbitrary<Byte> lead =
        Arbitraries.of((byte) 0xC2, (byte) 0xE0, (byte) 0xED, (byte) 0xF0, (byte) 0xF4);
    return Arbitraries.frequencyOf(
            Tuple.of(4, highBytes), Tuple.of(2, asciiBytes), Tuple.of(2, lead))
        .array(byte[].class)
        .ofMaxSize(10);
  }

  private static Arbitrary<Object> value(int depth) {
    Arbitrary<Object> leaf =
        Arbitraries.oneOf(
            strings().map(s -> s),
            Arbitraries.longs().map(x -> x),
            Arbitraries.bigIntegers()
                .between(BigInteger.ONE.shiftLeft(100).negate(), BigInteger.ONE.shiftLeft(100))
                .filter(x -> x.bitLength() >= 64)
                .map(x -> x),
            Combinators.combine(
                    Arbitraries.bigIntegers()
                        .between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30)),
                    Arbitraries.integers().between(-40, 40))
                .as((unscaled, scale) -> (Object) new BigDecimal(unscaled, scale)),
            Arbitraries.of(Boolean.TRUE, Boolean.FALSE, JsonNull.INSTANCE));
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<Object> list = value(depth - 1).list().ofMaxSize(4).map(l -> new ArrayList<>(l));
    Arbitrary<Object> map =
        Combinators.combine(
                strings().list().uniqueElements().ofMaxSize(4), value(depth - 1).list().ofSize(4))
            .as(
                (keys, values) -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  for (int i = 0; i < keys.size(); i++) {
                    m.put(keys.get(i), values.get(i));
                  }
                  return (Object) m;
                });
    return Arbitraries.frequencyOf(Tuple.of(3, leaf), Tuple.of(1, list), Tuple.of(1, map));
  }

  /** Well-formed strings, heavy on characters that need escaping and on non-BMP ones. */
  private static Arbitrary<String> strings() {
    Arbitrary<Integer> codePoint =
        Arbitraries.oneOf(
            Arbitraries.integers().between(0, 0x7F),
            Arbitraries.integers().between(0, 0x10FFFF).filter(c -> c < 0xD800 || c > 0xDFFF),
            Arbitraries.of(
                0, 0x1F, '"' + 0, '\\' + 0, '/' + 0, 0x7F, 0x2028, 0xFFFF, 0x10000, 0x10FFFF));
    return codePoint
        .list()
        .ofMaxSize(8)
        .map(
            cps -> {
              StringBuilder sb = new StringBuilder();
              cps.forEach(sb::appendCodePoint);
              return sb.toString();
            });
  }

  private static byte[] mutate(byte[] doc, int operation, int position, byte b) {
    int at = doc.length == 0 ? 0 : position % (doc.length + 1);
    ByteBuffer out = ByteBuffer.allocate(doc.length + 1);
    switch (operation) {
      case 0: // replace
        if (at < doc.length) {
          doc[at] = b;
        }
        return doc;
      case 1: // insert
        out.put(doc, 0, at).put(b).put(doc, at, doc.length - at);
        return Arrays.copyOf(out.array(), out.position());
      case 2: // delete
        if (at < doc.length) {
          out.put(doc, 0, at).put(doc, at + 1, doc.length - at - 1);
          return Arrays.copyOf(out.array(), out.position());
        }
        return doc;
      default: // truncate
        return Arrays.copyOf(doc, at);
    }
  }

  /** Jackson's tree in this package's value mapping. */
  private static Object fromJackson(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        map.put(e.getKey(), fromJackson(e.getValue()));
      }
      return map;
    } else if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(element -> list.add(fromJackson(element)));
      return list;
    } else if (node.isTextual()) {
      return node.textValue();
    } else if (node.isIntegralNumber()) {
      BigInteger big = node.bigIntegerValue();
      return big.bitLength() < 64 ? (Object) big.longValue() : big;
    } else if (node.isBigDecimal()) {
      return node.decimalValue();
    } else if (node.isBoolean()) {
      return node.booleanValue();
    } else if (node.isNull()) {
      return JsonNull.INSTANCE;
    }
    throw new AssertionError("unexpected Jackson node " + node.getNodeType());
  }

  /** Our value with {@link JsonNull} as Java null, which Jackson writes as JSON null. */
  private static Object toJackson(Object value) {
    if (value instanceof Map) {
      Map<String, Object> map = new LinkedHashMap<>();
      ((Map<?, ?>) value).forEach((k, v) -> map.put((String) k, toJackson(v)));
      return map;
    } else if (value instanceof List) {
      List<Object> list = new ArrayList<>();
      ((List<?>) value).forEach(v -> list.add(toJackson(v)));
      return list;
    }
    return value == JsonNull.INSTANCE ? null : value;
  }

  /** Numbers by value only: Jackson writes a scale-0 BigDecimal as a bare integer. */
  private static Object normalize(Object value) {
    if (value instanceof Map) {
      Map<String, Object> map = new LinkedHashMap<>();
      ((Map<?, ?>) value).forEach((k, v) -> map.put((String) k, normalize(v)));
      return map;
    } else if (value instanceof List) {
      List<Object> list = new ArrayList<>();
      ((List<?>) value).forEach(v -> list.add(normalize(v)));
      return list;
    } else if (value instanceof Number) {
      BigDecimal d = new BigDecimal(value.toString()).stripTrailingZeros();
      return d.signum() == 0 ? BigDecimal.ZERO : d;
    }
    return value;
  }
}
