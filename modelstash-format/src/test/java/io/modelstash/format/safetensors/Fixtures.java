package io.modelstash.format.safetensors;

import io.modelstash.format.DType;
import io.modelstash.format.DataWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Builders for safetensors test files. */
final class Fixtures {
  private Fixtures() {}

  /** {@code [u64 LE N][header as UTF-8][dataBytes zero bytes]}, no padding added. */
  static byte[] file(String header, int dataBytes) {
    return file(header.getBytes(StandardCharsets.UTF_8), new byte[dataBytes]);
  }

  static byte[] file(byte[] header, byte[] data) {
    return ByteBuffer.allocate(8 + header.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(header.length)
        .put(header)
        .put(data)
        .array();
  }

  /** A file of just the 8-byte length prefix {@code n} followed by {@code rest}. */
  static byte[] withPrefix(long n, byte[] rest) {
    return ByteBuffer.allocate(8 + rest.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(n)
        .put(rest)
        .array();
  }

  /** An entry whose data is {@code nbytes} bytes of a pattern derived from {@code seed}. */
  static SafetensorsWriter.Entry entry(String name, DType dtype, long... shape) {
    return new SafetensorsWriter.Entry(
        name, dtype, shape, DataWriter.of(pattern(name, dtype, shape)));
  }

  static byte[] pattern(String name, DType dtype, long... shape) {
    try {
      byte[] data = new byte[(int) SafetensorsWriter.nbytes(dtype, shape)];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (name.hashCode() * 31 + i * 7);
      }
      return data;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] write(Map<String, String> metadata, List<SafetensorsWriter.Entry> entries)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SafetensorsWriter.write(out, metadata, entries);
    return out.toByteArray();
  }

  /** The JSON header of a written file, without padding. */
  static String header(byte[] file) {
    long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return new String(file, 8, (int) n, StandardCharsets.UTF_8).stripTrailing();
  }

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }
}
