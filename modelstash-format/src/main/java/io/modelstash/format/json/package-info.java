/**
 * A small, strict RFC 8259 JSON parser and a compact serializer, for the few places where the
 * format library reads or writes JSON (the safetensors header). It has no dependencies.
 *
 * <p>Values map to Java as follows, in both directions: object ↔ {@code Map<String, Object>}
 * ({@link java.util.LinkedHashMap} in document order when parsed), array ↔ {@code List<Object>},
 * string ↔ {@link String}, integer ↔ {@link Long} (or {@link java.math.BigInteger} when it does not
 * fit), number with a fraction or exponent ↔ {@link java.math.BigDecimal} (exact, never rounded),
 * {@code true}/{@code false} ↔ {@link Boolean}, {@code null} ↔ {@link JsonNull#INSTANCE}. {@code
 * Json.parse(Json.serialize(v))} equals {@code v} for every value the serializer accepts.
 */
package io.modelstash.format.json;
