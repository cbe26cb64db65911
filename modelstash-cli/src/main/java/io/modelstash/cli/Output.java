package io.modelstash.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.modelstash.store.catalog.VersionInfo;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** JSON and text rendering shared by the listing commands. */
final class Output {
  /** Built on first use: a Jackson mapper costs about 15 ms of start-up that text output skips. */
  private static final class Json {
    static final ObjectMapper MAPPER =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private Output() {}

  static void json(PrintWriter out, Object value) {
    try {
      out.println(Json.MAPPER.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot print JSON", e);
    }
    out.flush();
  }

  static String time(java.time.Instant t) {
    return TIME.format(t);
  }

  /** One version as JSON: what {@code log --json} and {@code show --json} print. */
  static Map<String, Object> version(VersionInfo v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", v.id().path().toString());
    m.put("version", v.id().number());
    m.put("created_at", v.createdAt().toString());
    m.put("sha256", v.fileSha256().hex());
    m.put("size", v.size());
    m.put("stored_bytes_added", v.storedBytesAdded());
    m.put("format", v.format());
    m.put("file_name", v.originalFileName().orElse(null));
    m.put("note", v.note().orElse(null));
    m.put("params", v.params());
    m.put("metrics", v.metrics());
    m.put("aliases", v.aliases().stream().map(a -> a.value()).toList());
    return m;
  }

  static String metrics(Map<String, Double> metrics) {
    StringJoiner j = new StringJoiner(" ");
    metrics.forEach((k, v) -> j.add(k + "=" + number(v)));
    return j.toString();
  }

  static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  static String ratio(long stored, long logical) {
    return logical == 0
        ? "-"
        : String.format(java.util.Locale.ROOT, "%.3f", stored / (double) logical);
  }
}
