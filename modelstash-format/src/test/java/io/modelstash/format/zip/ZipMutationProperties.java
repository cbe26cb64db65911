package io.modelstash.format.zip;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.ByteSource;
import io.modelstash.format.FormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Hostile-input properties: whatever is done to a valid archive, reading it (and every entry of it)
 * either works or fails with a one-line {@link FormatException}, never another exception. Plus the
 * writer/reader round trip for random entries and alignments.
 */
class ZipMutationProperties {
  private static final ZipArchive.Limits LIMITS = new ZipArchive.Limits(1000, 1 << 20, 1 << 20);
  private static final List<byte[]> ORIGINALS = originals();

  enum Kind {
    SET_BYTE,
    SET_U16,
    SET_U32,
    FLIP_BIT,
    TRUNCATE,
    CUT,
    DUPLICATE
  }

  /** One change to an archive; the position is a fraction of the length so it fits any input. */
  record Mutation(Kind kind, double where, long value) {
    byte[] apply(byte[] in) {
      int p = (int) Math.min(in.length, Math.floor(where * in.length));
      switch (kind) {
        case SET_BYTE:
          return patch(in, p, new byte[] {(byte) value});
        case SET_U16:
          return patch(in, p, new byte[] {(byte) value, (byte) (value >> 8)});
        case SET_U32:
          return patch(in, p, new TestZip.Out().u32(value).toByteArray());
        case FLIP_BIT:
          return patch(
              in, p, p < in.length ? new byte[] {(byte) (in[p] ^ (1 << value))} : new byte[0]);
        case TRUNCATE:
          return Arrays.copyOf(in, p);
        case CUT:
          return cut(in, p, (int) value);
        case DUPLICATE:
          return duplicate(in, p, (int) value);
        default:
          throw new AssertionError(kind);
      }
    }
  }

  @Property(tries = 3000)
  void mutatedArchivesOnlyFailWithFormatException(
      @ForAll @IntRange(min = 0, max = 5) int which,
      @ForAll("mutations") List<Mutation> mutations) {
    byte[] bytes = ORIGINALS.get(which % ORIGINALS.size());
    for (Mutation m : mutations) {
      bytes = m.apply(bytes);
    }
    readEverything(bytes);
  }

  @Property(tries = 200)
  void writtenArchivesReadBackExactly(
      @ForAll("entries") Map<String, byte[]> entries, @ForAll("alignments") int alignment)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipWriter w = new ZipWriter(out, alignment)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        w.add(e.getKey(), e.getValue());
      }
    }
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(out.toByteArray()));
    assertThat(zip.entries())
        .extracting(ZipEntry::name)
        .containsExactlyElementsOf(entries.keySet());
    for (ZipEntry e : zip.entries()) {
      assertThat(zip.readAll(e, 1 << 20)).isEqualTo(entries.get(e.name()));
      assertThat(zip.crcMatches(e)).isTrue();
      if (alignment > 1) {
        assertThat(e.dataOffset() % alignment).isZero();
      }
    }
  }

  static void readEverything(byte[] bytes) {
    try {
      ZipArchive zip = ZipArchive.read(ByteSource.wrap(bytes), LIMITS);
      for (ZipEntry e : zip.entries()) {
        try {
          zip.readAll(e, 1 << 16);
          zip.crcMatches(e);
        } catch (FormatException x) {
          assertOneLine(x);
        }
      }
    } catch (FormatException x) {
      assertOneLine(x);
    } catch (IOException x) {
      throw new AssertionError("not a FormatException: " + x, x);
    }
  }

  private static void assertOneLine(FormatException x) {
    assertThat(x.getMessage()).startsWith("Cannot ").doesNotContain("\n");
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    // Headers sit at both ends of small archives: aim there more often.
    Arbitrary<Double> where =
        Arbitraries.oneOf(
            Arbitraries.doubles().between(0, 1),
            Arbitraries.doubles().between(0, 0.1),
            Arbitraries.doubles().between(0.7, 1));
    Arbitrary<Mutation> setByte =
        Combinators.combine(where, Arbitraries.longs().between(0, 255))
            .as((w, v) -> new Mutation(Kind.SET_BYTE, w, v));
    Arbitrary<Mutation> setU16 =
        Combinators.combine(where, Arbitraries.of(0L, 1L, 0x7FFFL, 0x8000L, 0xFFFEL, 0xFFFFL))
            .as((w, v) -> new Mutation(Kind.SET_U16, w, v));
    Arbitrary<Mutation> setU32 =
        Combinators.combine(
                where,
                Arbitraries.of(0L, 1L, 64L, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFEL, 0xFFFF_FFFFL))
            .as((w, v) -> new Mutation(Kind.SET_U32, w, v));
    Arbitrary<Mutation> flipBit =
        Combinators.combine(where, Arbitraries.longs().between(0, 7))
            .as((w, v) -> new Mutation(Kind.FLIP_BIT, w, v));
    Arbitrary<Mutation> truncate = where.map(w -> new Mutation(Kind.TRUNCATE, w, 0));
    Arbitrary<Mutation> cut =
        Combinators.combine(where, Arbitraries.longs().between(1, 64))
            .as((w, n) -> new Mutation(Kind.CUT, w, n));
    Arbitrary<Mutation> duplicate =
        Combinators.combine(where, Arbitraries.longs().between(1, 64))
            .as((w, n) -> new Mutation(Kind.DUPLICATE, w, n));
    Arbitrary<Mutation> one =
        Arbitraries.frequencyOf(
            Tuple.of(3, setByte),
            Tuple.of(2, setU16),
            Tuple.of(3, setU32),
            Tuple.of(2, flipBit),
            Tuple.of(1, truncate),
            Tuple.of(1, cut),
            Tuple.of(1, duplicate));
    return one.list().ofMinSize(1).ofMaxSize(4);
  }

  @Provide
  Arbitrary<Map<String, byte[]>> entries() {
    Arbitrary<String> segment =
        Arbitraries.strings()
            .withChars("abz09._-ü")
            .ofMinLength(1)
            .ofMaxLength(6)
            .filter(s -> !s.equals(".") && !s.equals(".."));
    Arbitrary<String> name = segment.list().ofMinSize(1).ofMaxSize(3).map(l -> String.join("/", l));
    Arbitrary<byte[]> data = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    return Arbitraries.maps(name, data).ofMaxSize(8).map(LinkedHashMap::new);
  }

  @Provide
  Arbitrary<Integer> alignments() {
    return Arbitraries.of(0, 1, 2, 5, 8, 64, 100, 4096);
  }

  private static byte[] patch(byte[] in, int p, byte[] value) {
    byte[] out = in.clone();
    int at = Math.min(p, Math.max(0, in.length - value.length));
    System.arraycopy(value, 0, out, at, Math.min(value.length, out.length - at));
    return out;
  }

  private static byte[] cut(byte[] in, int from, int n) {
    int to = Math.min(in.length, from + n);
    byte[] out = new byte[in.length - (to - from)];
    System.arraycopy(in, 0, out, 0, from);
    System.arraycopy(in, to, out, from, in.length - to);
    return out;
  }

  private static byte[] duplicate(byte[] in, int from, int n) {
    int to = Math.min(in.length, from + n);
    byte[] out = new byte[in.length + (to - from)];
    System.arraycopy(in, 0, out, 0, to);
    System.arraycopy(in, from, out, to, in.length - from);
    return out;
  }

  private static List<byte[]> originals() {
    List<byte[]> list = new ArrayList<>();
    for (String name : ZipTestFiles.ALL) {
      list.add(ZipTestFiles.bytes(name));
    }
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (ZipWriter w = new ZipWriter(out, 64)) {
        w.add("m/a", new byte[] {1, 2, 3});
        w.add("m/empty", new byte[0]);
        w.add("m/b", new byte[100]);
      }
      list.add(out.toByteArray());
      TestZip t = new TestZip();
      t.add("z/deflated", ZipArchiveTest.deflate(new byte[2000])).method(8).sizes(-1, 2000).crc(0);
      t.entries.get(0).compressedSize = null;
      t.add("z/zip64", "sixty-four").zip64();
      t.zip64End = true;
      list.add(t.build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return list;
  }
}
