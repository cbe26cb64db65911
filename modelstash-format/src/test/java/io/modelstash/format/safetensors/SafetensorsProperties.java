package io.modelstash.format.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.ByteSource;
import io.modelstash.format.DType;
import io.modelstash.format.DataWriter;
import io.modelstash.format.FormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/** Round trips of random files, and random corruption of valid files. */
class SafetensorsProperties {

  private static final List<DType> DTYPES = SafetensorsFormat.REFERENCE_ORDER;

  /** A file to write: metadata plus entries with their data. */
  record Spec(Map<String, String> metadata, List<SafetensorsWriter.Entry> entries) {}

  @Property(tries = 200)
  void readsBackWhatItWritesAndRewritesIdenticalBytes(@ForAll("specs") Spec spec) throws Exception {
    byte[] bytes = Fixtures.write(spec.metadata(), spec.entries());
    ByteSource src = ByteSource.wrap(bytes);
    SafetensorsFile file = SafetensorsFile.read(src);
    assertThat(file.metadata()).isEqualTo(spec.metadata());
    assertThat(file.tensors()).hasSameSizeAs(spec.entries());
    checkConsistent(file, bytes.length);

    List<SafetensorsWriter.Entry> copies = new ArrayList<>();
    for (SafetensorsWriter.Entry e : spec.entries()) {
      SafetensorsTensor t = file.tensor(e.name()).orElseThrow();
      assertThat(t.dtype()).isEqualTo(e.dtype());
      assertThat(t.shape()).isEqualTo(e.shape());
      byte[] data = src.read(file.dataStart() + t.begin(), (int) t.byteLength());
      assertThat(data).isEqualTo(Fixtures.pattern(e.name(), e.dtype(), e.shape()));
      copies.add(new SafetensorsWriter.Entry(t.name(), t.dtype(), t.shape(), DataWriter.of(data)));
    }
    assertThat(Fixtures.write(file.metadata(), copies)).isEqualTo(bytes);
  }

  @Property(tries = 2000)
  void corruptFilesAreRefusedOrReadConsistently(@ForAll("specs") Spec spec, @ForAll long seed)
      throws Exception {
    byte[] bytes = Fixtures.write(spec.metadata(), spec.entries());
    Random random = new Random(seed);
    int mutations = 1 + random.nextInt(3);
    for (int i = 0; i < mutations; i++) {
      bytes = mutate(bytes, random);
    }
    SafetensorsFile file;
    try {
      file = SafetensorsFile.read(ByteSource.wrap(bytes));
    } catch (FormatException e) {
      assertThat(e.getMessage()).startsWith("Cannot ").doesNotContain("\n");
      String reason = e.getMessage().replaceAll(".*\\((\\w+).*", "$1");
      Statistics.label("outcome").collect("refused: " + reason);
      return;
    }
    Statistics.label("outcome").collect("read");
    checkConsistent(file, bytes.length);
  }

  private static void checkConsistent(SafetensorsFile file, long fileLength) throws Exception {
    long end = 0;
    for (SafetensorsTensor t : file.tensors()) {
      assertThat(t.begin()).isEqualTo(end);
      assertThat(t.byteLength()).isEqualTo(SafetensorsWriter.nbytes(t.dtype(), t.shape()));
      assertThat(file.tensor(t.name())).contains(t);
      end = t.end();
    }
    assertThat(file.dataStart() + end).isEqualTo(fileLength);
  }

  private static byte[] mutate(byte[] bytes, Random random) {
    long n =
        bytes.length < 8
            ? -1
            : ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    // Mostly hit the header, where the parsing happens.
    boolean headerIntact = n >= 1 && n <= bytes.length - 8;
    int limit = headerIntact && random.nextInt(5) != 0 ? (int) (8 + n) : bytes.length;
    int at = random.nextInt(Math.max(1, limit));
    byte[] interesting = "{}[],:\"\\0123456789-.eE u".getBytes(StandardCharsets.US_ASCII);
    if (headerIntact && random.nextBoolean()) {
      return editHeader(bytes, (int) n, interesting, random);
    }
    switch (random.nextInt(7)) {
      case 0: // flip a bit
        if (bytes.length > 0) {
          bytes[at] ^= (byte) (1 << random.nextInt(8));
        }
        return bytes;
      case 1: // set a structural or digit byte
        if (bytes.length > 0) {
          bytes[at] = interesting[random.nextInt(interesting.length)];
        }
        return bytes;
      case 2: // truncate
        return Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
      case 3: // insert a random byte
        {
          byte[] out = new byte[bytes.length + 1];
          int pos = Math.min(at, bytes.length);
          System.arraycopy(bytes, 0, out, 0, pos);
          out[pos] = (byte) random.nextInt(256);
          System.arraycopy(bytes, pos, out, pos + 1, bytes.length - pos);
          return out;
        }
      case 4: // delete a byte
        if (bytes.length == 0) {
          return bytes;
        }
        {
          byte[] out = new byte[bytes.length - 1];
          System.arraycopy(bytes, 0, out, 0, at);
          System.arraycopy(bytes, at + 1, out, at, bytes.length - at - 1);
          return out;
        }
      case 5: // a new length prefix, near the old one or anywhere
        if (bytes.length >= 8) {
          long value = random.nextBoolean() ? n + random.nextInt(17) - 8 : random.nextLong();
          ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        }
        return bytes;
      default: // swap two chunks
        {
          int length = 1 + random.nextInt(8);
          if (bytes.length < 2 * length) {
            return bytes;
          }
          int a = random.nextInt(bytes.length - length + 1);
          int b = random.nextInt(bytes.length - length + 1);
          byte[] chunk = Arrays.copyOfRange(bytes, a, a + length);
          System.arraycopy(bytes, b, bytes, a, length);
          System.arraycopy(chunk, 0, bytes, b, length);
          return bytes;
        }
    }
  }

  /**
   * Replaces, inserts or deletes one header byte or changes one digit, and fixes the length prefix,
   * so that the change reaches the JSON and offset checks instead of breaking the framing.
   */
  private static byte[] editHeader(byte[] bytes, int n, byte[] interesting, Random random) {
    byte[] header = Arrays.copyOfRange(bytes, 8, 8 + n);
    byte[] data = Arrays.copyOfRange(bytes, 8 + n, bytes.length);
    int at = random.nextInt(n);
    byte b = interesting[random.nextInt(interesting.length)];
    switch (random.nextInt(4)) {
      case 0:
        header[at] = b;
        break;
      case 1:
        // Change one digit: keeps the JSON valid and moves a shape or offset.
        for (int k = 0; k < n; k++) {
          int i = (at + k) % n;
          if (header[i] >= '0' && header[i] <= '9') {
            header[i] = (byte) ('0' + random.nextInt(10));
            break;
          }
        }
        break;
      case 2:
        {
          byte[] longer = new byte[n + 1];
          System.arraycopy(header, 0, longer, 0, at);
          longer[at] = b;
          System.arraycopy(header, at, longer, at + 1, n - at);
          header = longer;
          break;
        }
      default:
        {
          byte[] shorter = new byte[n - 1];
          System.arraycopy(header, 0, shorter, 0, at);
          System.arraycopy(header, at + 1, shorter, at, n - at - 1);
          header = shorter;
        }
    }
    return Fixtures.file(header, data);
  }

  @Provide
  Arbitrary<Spec> specs() {
    Arbitrary<String> names =
        Arbitraries.oneOf(
            Arbitraries.strings().withChars("abc.0_").ofMinLength(0).ofMaxLength(6),
            Arbitraries.of("w", "__meta", "é", "\ud83d\ude00", "\ue000", "a\"b", "t\n"));
    Arbitrary<long[]> shapes =
        Arbitraries.longs()
            .between(0, 4)
            .list()
            .ofMaxSize(3)
            .map(l -> l.stream().mapToLong(x -> x).toArray());
    Arbitrary<Map<String, String>> metadata =
        Arbitraries.maps(names, names).ofMaxSize(3).map(LinkedHashMap::new);
    Arbitrary<List<Object[]>> tensors =
        Combinators.combine(names, Arbitraries.of(DTYPES), shapes)
            .as((name, dtype, shape) -> new Object[] {name, dtype, shape})
            .list()
            .ofMaxSize(6)
            .uniqueElements(t -> t[0]);
    return Combinators.combine(metadata, tensors)
        .as(
            (md, ts) -> {
              List<SafetensorsWriter.Entry> entries = new ArrayList<>();
              for (Object[] t : ts) {
                DType dtype = (DType) t[1];
                long[] shape = (long[]) t[2];
                if (dtype.bits() % 8 != 0) {
                  // Four sub-byte elements always fill whole bytes.
                  shape = Arrays.copyOf(shape, shape.length + 1);
                  shape[shape.length - 1] = 4;
                }
                entries.add(Fixtures.entry((String) t[0], dtype, shape));
              }
              return new Spec(md, entries);
            });
  }
}
