package io.modelstash.format.zip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.ByteSource;
import io.modelstash.format.FormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

class ZipArchiveTest {

  @Test
  void readsTorchFileSavedToPath() throws IOException {
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(ZipTestFiles.bytes("torch-path.pt")));

    // 1.13 writes storages in string order, and the prefix is the file stem.
    assertThat(zip.entries())
        .extracting(ZipEntry::name)
        .containsExactly(
            "torch-path/data.pkl",
            "torch-path/data/0",
            "torch-path/data/1",
            "torch-path/data/10",
            "torch-path/data/11",
            "torch-path/data/12",
            "torch-path/data/13",
            "torch-path/data/2",
            "torch-path/data/3",
            "torch-path/data/4",
            "torch-path/data/5",
            "torch-path/data/6",
            "torch-path/data/7",
            "torch-path/data/8",
            "torch-path/data/9",
            "torch-path/version");
    assertThat(zip.entries().get(0).dataOffset()).isEqualTo(64);
    // Torch's records are contiguous: each ends (descriptor included) where the next begins.
    List<ZipEntry> es = zip.entries();
    for (int i = 0; i < es.size(); i++) {
      ZipEntry e = es.get(i);
      assertThat(e.dataOffset() % 64).isZero();
      assertThat(e.method()).isZero();
      long next =
          i + 1 < es.size() ? es.get(i + 1).localHeaderOffset() : zip.centralDirectoryOffset();
      assertThat(e.recordEnd()).isEqualTo(next);
      assertThat(e.recordEnd() - e.dataEnd()).isEqualTo(e.size() > 0 ? 16 : 0);
      assertThat(zip.crcMatches(e)).as(e.name()).isTrue();
    }
    ZipEntry empty = zip.find("torch-path/data/12").orElseThrow();
    assertThat(empty.size()).isZero();
    assertThat(zip.readAll(empty, 0)).isEmpty();
    // data/3 is arange(4.) as float32 little-endian.
    assertThat(zip.readAll(zip.find("torch-path/data/3").orElseThrow(), 100))
        .isEqualTo(floats(0, 1, 2, 3));
    assertThat(zip.readAll(zip.find("torch-path/version").orElseThrow(), 100))
        .isEqualTo("3\n".getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void readsTorchFileSavedToBuffer() throws IOException {
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(ZipTestFiles.bytes("torch-buffer.pt")));
    assertThat(zip.entries())
        .extracting(ZipEntry::name)
        .containsExactly("archive/data.pkl", "archive/data/0", "archive/data/1", "archive/version");
    byte[] pickle = zip.readAll(zip.find("archive/data.pkl").orElseThrow(), 1 << 20);
    assertThat(pickle[0] & 0xFF).isEqualTo(0x80);
    assertThat(pickle[pickle.length - 1]).isEqualTo((byte) '.');
  }

  @ParameterizedTest
  @FieldSource("io.modelstash.format.zip.ZipTestFiles#ALL")
  void contentMatchesJdkZipFile(String name, @TempDir Path dir) throws IOException {
    byte[] bytes = ZipTestFiles.bytes(name);
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(bytes));
    try (ZipFile jdk = new ZipFile(file.toFile())) {
      assertThat(zip.entries()).hasSize(jdk.size());
      for (ZipEntry e : zip.entries()) {
        java.util.zip.ZipEntry j = jdk.getEntry(e.name());
        byte[] expected = jdk.getInputStream(j).readAllBytes();
        assertThat(e.size()).isEqualTo(j.getSize());
        assertThat(e.compressedSize()).isEqualTo(j.getCompressedSize());
        assertThat(e.crc32()).isEqualTo(j.getCrc());
        assertThat(zip.readAll(e, 1 << 20)).as(e.name()).isEqualTo(expected);
        try (InputStream in = zip.open(e)) {
          assertThat(in.readAllBytes()).isEqualTo(expected);
        }
        assertThat(zip.crcMatches(e)).isTrue();
      }
    }
  }

  @Test
  void readsPythonDeflatedEntriesAndDescriptors() throws IOException {
    ZipArchive deflate = ZipArchive.read(ByteSource.wrap(ZipTestFiles.bytes("python-deflate.zip")));
    ZipEntry data = deflate.find("archive/data/0").orElseThrow();
    assertThat(data.method()).isEqualTo(8);
    byte[] expected = new byte[10240];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (byte) i;
    }
    assertThat(deflate.readAll(data, 1 << 20)).isEqualTo(expected);
    ZipEntry empty = deflate.find("archive/empty").orElseThrow();
    assertThat(empty.compressedSize()).isEqualTo(2);
    assertThat(deflate.readAll(empty, 0)).isEmpty();

    // Non-seekable output: descriptors with signature, 24 bytes after a ZIP64 local field.
    ZipArchive stream = ZipArchive.read(ByteSource.wrap(ZipTestFiles.bytes("python-stream.zip")));
    assertThat(stream.entries())
        .extracting(e -> e.recordEnd() - e.dataEnd())
        .containsExactly(16L, 24L, 24L);
    assertThat(stream.readAll(stream.find("s/a").orElseThrow(), 600))
        .isEqualTo("hello ".repeat(100).getBytes(StandardCharsets.US_ASCII));
    assertThat(stream.readAll(stream.find("s/b").orElseThrow(), 1000)).isEqualTo(new byte[1000]);
  }

  @Test
  void zeroCrcsAreReadButReportedAsMismatches() throws IOException {
    byte[] bytes = ZipTestFiles.bytes("torch-buffer.pt");
    ZipArchive original = ZipArchive.read(ByteSource.wrap(bytes.clone()));
    // What torch writes with set_crc32_options(False): 0 in descriptors and directory.
    for (ZipEntry e : original.entries()) {
      if (e.size() > 0) {
        ZipFormat.put32(bytes, (int) e.dataEnd() + 4, 0);
      }
    }
    for (int p = (int) original.centralDirectoryOffset();
        ZipFormat.u32(bytes, p) == ZipFormat.CENTRAL_HEADER_SIG; ) {
      ZipFormat.put32(bytes, p + 16, 0);
      p += 46 + ZipFormat.u16(bytes, p + 28) + ZipFormat.u16(bytes, p + 30);
    }

    ZipArchive zip = ZipArchive.read(ByteSource.wrap(bytes));
    for (ZipEntry e : zip.entries()) {
      assertThat(e.crc32()).isZero();
      ZipEntry o = original.find(e.name()).orElseThrow();
      assertThat(zip.readAll(e, 1 << 20)).isEqualTo(original.readAll(o, 1 << 20));
      assertThat(zip.crcMatches(e)).isFalse();
    }
  }

  @Test
  void staleCrcIsReadButReportedAsMismatch() throws IOException {
    TestZip t = new TestZip();
    t.add("p/a", "abc").crc(12345);
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(t.build()));
    ZipEntry e = zip.entries().get(0);
    assertThat(zip.readAll(e, 10)).isEqualTo("abc".getBytes(StandardCharsets.US_ASCII));
    assertThat(zip.crcMatches(e)).isFalse();
  }

  @Test
  void findIsExact() throws IOException {
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(ZipTestFiles.bytes("torch-buffer.pt")));
    assertThat(zip.find("archive/version")).isPresent();
    assertThat(zip.find("archive/VERSION")).isEmpty();
    assertThat(zip.find("archive/version/")).isEmpty();
    assertThat(zip.find("version")).isEmpty();
    assertThatThrownBy(() -> zip.entries().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void refusesEntriesOfAnotherArchive() throws IOException {
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(ZipTestFiles.bytes("torch-buffer.pt")));
    ZipEntry real = zip.find("archive/version").orElseThrow();
    ZipEntry forged =
        new ZipEntry(real.name(), 0, real.crc32(), 1L << 40, 1L << 40, 0, 64, 64 + (1L << 40));
    assertThatThrownBy(() -> zip.readAll(forged, 100)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> zip.open(forged)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readAllRefusesEntriesLargerThanMaxBytes() throws IOException {
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(ZipTestFiles.bytes("torch-buffer.pt")));
    ZipEntry data = zip.find("archive/data/0").orElseThrow();
    assertThatThrownBy(() -> zip.readAll(data, 47))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("48 bytes, more than the limit of 47");
    assertThat(zip.readAll(data, 48)).hasSize(48);
  }

  @Test
  void limitsCapEntriesDirectorySizeAndInflation() throws IOException {
    byte[] torch = ZipTestFiles.bytes("torch-path.pt");
    assertThatThrownBy(
            () ->
                ZipArchive.read(
                    ByteSource.wrap(torch), new ZipArchive.Limits(15, 1 << 20, 1 << 20)))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("16 entries, more than the limit of 15");
    assertThatThrownBy(
            () -> ZipArchive.read(ByteSource.wrap(torch), new ZipArchive.Limits(100, 100, 1 << 20)))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("exceeds the limit of 100");
    assertThat(
            ZipArchive.read(ByteSource.wrap(torch), new ZipArchive.Limits(16, 1 << 20, 0))
                .entries())
        .hasSize(16);

    ZipArchive deflate =
        ZipArchive.read(
            ByteSource.wrap(ZipTestFiles.bytes("python-deflate.zip")),
            new ZipArchive.Limits(10, 1 << 20, 10239));
    ZipEntry big = deflate.find("archive/data/0").orElseThrow();
    assertThatThrownBy(() -> deflate.open(big))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("declared size 10240 exceeds the limit of 10239");
    assertThatThrownBy(() -> deflate.readAll(big, 1 << 20)).isInstanceOf(FormatException.class);
    assertThat(deflate.readAll(deflate.find("archive/data.pkl").orElseThrow(), 1000)).hasSize(300);
  }

  @Test
  void deflateBombIsStoppedAtItsDeclaredSize() throws IOException {
    byte[] compressed = deflate(new byte[10_000_000]);
    TestZip t = new TestZip();
    t.add("p/bomb", compressed).method(8).sizes(compressed.length, 1000).crc(0);
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(t.build()));
    ZipEntry e = zip.entries().get(0);
    assertThat(compressed.length).isLessThan(20_000);
    assertThatThrownBy(() -> zip.readAll(e, 1 << 20))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("more than the declared 1000 bytes");
    assertThatThrownBy(() -> zip.open(e).readAllBytes()).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> zip.crcMatches(e)).isInstanceOf(FormatException.class);
  }

  @Test
  void deflatedEntriesMustInflateToExactlyTheirSize() throws IOException {
    byte[] content = "some content, some content".getBytes(StandardCharsets.US_ASCII);
    byte[] compressed = deflate(content);

    assertInflateFails(compressed, content.length + 1, "inflates to 26 bytes, expected 27");
    byte[] trailing = java.util.Arrays.copyOf(compressed, compressed.length + 3);
    assertInflateFails(trailing, content.length, "compressed bytes follow the end");
    byte[] cut = java.util.Arrays.copyOf(compressed, compressed.length - 2);
    assertInflateFails(cut, content.length, "ends before the deflate stream does");
    assertInflateFails(
        new byte[] {(byte) 0xFF, 0x12, 0x34}, content.length, "invalid deflate data");
  }

  private static void assertInflateFails(byte[] compressed, long size, String message)
      throws IOException {
    TestZip t = new TestZip();
    t.add("p/x", compressed).method(8).sizes(compressed.length, size).crc(0);
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(t.build()));
    ZipEntry e = zip.entries().get(0);
    assertThatThrownBy(() -> zip.readAll(e, 1000))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining(message);
    assertThatThrownBy(() -> zip.open(e).readAllBytes())
        .isInstanceOf(FormatException.class)
        .hasMessageContaining(message);
  }

  @Test
  void acceptsArchiveCommentAndDirectoryEntries() throws IOException {
    TestZip t = new TestZip();
    t.add("archive/", new byte[0]);
    t.add("archive/version", "3\n");
    t.comment = "a comment".getBytes(StandardCharsets.US_ASCII);
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(t.build()));
    assertThat(zip.entries())
        .extracting(ZipEntry::name)
        .containsExactly("archive/", "archive/version");
  }

  @Test
  void acceptsZip64EndRecordsAndZip64ExtraFromOtherWriters() throws IOException {
    TestZip t = new TestZip();
    t.add("p/a", "hello").zip64();
    t.add("p/b", "world");
    t.zip64End = true;
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(t.build()));
    assertThat(zip.readAll(zip.find("p/a").orElseThrow(), 5))
        .isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
    assertThat(zip.find("p/b").orElseThrow().localHeaderOffset())
        .isEqualTo(t.localHeaderOffsets.get(1));
  }

  static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }
}
