package io.modelstash.store.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The mapper-free JSON trees read and write what Jackson's ObjectMapper does. */
class JsonTreesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readsTheTreesObjectMapperReads() throws IOException {
    String json =
        "{\"s\":\"t\\u00e9xt\",\"i\":7,\"l\":12345678901,\"b\":123456789012345678901234567890,"
            + "\"d\":-0.25,\"e\":1e-300,\"nan\":\"NaN\",\"t\":true,\"f\":false,\"n\":null,"
            + "\"a\":[1,[2,{}],[]],\"o\":{\"k\":{\"deep\":[null]}}}";
    JsonNode ours = JsonTrees.read(utf8(json));
    assertThat(ours).isEqualTo(MAPPER.readTree(json));
    assertThat(ours.get("i").isInt()).isTrue();
    assertThat(ours.get("l").isLong()).isTrue();
    assertThat(ours.get("b").isBigInteger()).isTrue();
    assertThat(ours.get("nan").asDouble()).isNaN();
  }

  @Test
  void writesWhatItReads() throws IOException {
    String json = "{\"a\":[1,-2.5,\"x\\\"y\",null,true],\"b\":{\"c\":9007199254740993}}";
    JsonNode tree = JsonTrees.read(utf8(json));
    assertThat(new String(JsonTrees.write(tree), StandardCharsets.UTF_8)).isEqualTo(json);
    assertThat(JsonTrees.write(tree)).isEqualTo(MAPPER.writeValueAsBytes(tree));
  }

  @Test
  void refusesWhatIsNotExactlyOneWellFormedValue() {
    for (String bad :
        new String[] {
          "", "{", "{\"a\":1,\"a\":2}", "{} {}", "[1,", "{\"a\" 1}", "nul", "{\"a\":1}}"
        }) {
      assertThatThrownBy(() -> JsonTrees.read(utf8(bad)))
          .as("%s", bad)
          .isInstanceOf(IOException.class);
    }
  }
}
