package io.modelstash.store.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * JSON trees read and written with Jackson's streaming parser and generator, without an {@code
 * ObjectMapper}: building one costs a command about 20 ms of start-up, more than reading a
 * manifest. Reads the same trees {@code ObjectMapper.readTree} does for the JSON modelstash writes
 * (integers as int, long or big-integer nodes by size, other numbers as doubles) and refuses
 * duplicate keys.
 */
final class JsonTrees {
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonTrees() {}

  /** A new, empty object node. */
  static ObjectNode object() {
    return NODES.objectNode();
  }

  /** A new, empty array node. */
  static ArrayNode array() {
    return NODES.arrayNode();
  }

  /**
   * The tree of one JSON value that fills {@code json}.
   *
   * @throws IOException if it is not exactly one well-formed value, or an object repeats a key
   */
  static JsonNode read(byte[] json) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new IOException("no JSON value");
      }
      JsonNode root = value(p, first);
      if (p.nextToken() != null) {
        throw new IOException("more than one JSON value");
      }
      return root;
    }
  }

  private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT:
        ObjectNode o = NODES.objectNode();
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
          o.set(key, value(p, p.nextToken()));
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
          throw new IOException("malformed object");
        }
        return o;
      case START_ARRAY:
        ArrayNode a = NODES.arrayNode();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          if (e == null) {
            throw new IOException("unterminated array");
          }
          a.add(value(p, e));
        }
        return a;
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            return NODES.numberNode(p.getIntValue());
          case LONG:
            return NODES.numberNode(p.getLongValue());
          default:
            return NODES.numberNode(p.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(p.getDoubleValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new IOException("unexpected " + t);
    }
  }

  /** {@code root} as compact UTF-8 JSON. */
  static byte[] write(JsonNode root) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, root);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot write JSON to memory", e);
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator g, JsonNode n) throws IOException {
    switch (n.getNodeType()) {
      case OBJECT:
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
          g.writeFieldName(e.getKey());
          write(g, e.getValue());
        }
        g.writeEndObject();
        break;
      case ARRAY:
        g.writeStartArray();
        for (JsonNode e : n) {
          write(g, e);
        }
        g.writeEndArray();
        break;
      case STRING:
        g.writeString(n.textValue());
        break;
      case NUMBER:
        if (n.isIntegralNumber()) {
          if (n.canConvertToLong()) {
            g.writeNumber(n.longValue());
          } else {
            g.writeNumber(n.bigIntegerValue());
          }
        } else {
          g.writeNumber(n.doubleValue());
        }
        break;
      case BOOLEAN:
        g.writeBoolean(n.booleanValue());
        break;
      case NULL:
        g.writeNull();
        break;
      default:
        throw new IllegalArgumentException("Cannot write a " + n.getNodeType() + " node as JSON");
    }
  }
}
