package io.modelstash.format.zip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.ByteSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

class ZipWriterTest {

  @ParameterizedTest
  @FieldSource("io.modelstash.format.zip.ZipTestFiles#TORCH")
  void rewritingTorchFileEntryByEntryIsByteIdentical(String file) throws IOException {
    byte[] original = ZipTestFiles.bytes(file);
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(original));

    ByteArrayOutputStream fromArrays = new ByteArrayOutputStream();
    try (ZipWriter w = new ZipWriter(fromArrays, 64)) {
      for (ZipEntry e : zip.entries()) {
        w.add(e.name(), zip.readAll(e, 1 << 20));
      }
    }
    ByteArrayOutputStream streamed = new ByteArrayOutputStream();
    try (ZipWriter w = new ZipWriter(streamed, ZipWriter.TORCH_ALIGNMENT)) {
      for (ZipEntry e : zip.entries()) {
        w.add(
            e.name(),
            e.size(),
            out -> {
              try (InputStream in = zip.open(e)) {
                in.transferTo(out);
              }
            });
      }
    }

    assertThat(fromArrays.toByteArray()).isEqualTo(original);
    assertThat(streamed.toByteArray()).isEqualTo(original);
  }

  @Test
  void emptyEntryHasNoDescriptorAndFlags0x0800LikeTorch() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipWriter w = new ZipWriter(out, 64)) {
      w.add("p/e", new byte[0]);
    }
    byte[] b = out.toByteArray();
    assertThat(ZipFormat.u16(b, 6)).isEqualTo(0x0800);
    int dataOffset = 30 + 3 + ZipFormat.u16(b, 28);
    assertThat(dataOffset).isEqualTo(64);
    // The central directory follows immediately: no descriptor.
    assertThat(ZipFormat.u32(b, dataOffset)).isEqualTo(ZipFormat.CENTRAL_HEADER_SIG);
    assertThat(ZipFormat.u16(b, dataOffset + 8)).isEqualTo(0x0800);
  }

  @Test
  void alwaysWritesZip64EndRecordAndLocator() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipWriter w = new ZipWriter(out, 64)) {
      w.add("p/a", "x".getBytes(StandardCharsets.US_ASCII));
    }
    byte[] b = out.toByteArray();
    int eocd = b.length - 22;
    int locator = eocd - 20;
    int record = locator - 56;
    assertThat(ZipFormat.u32(b, eocd)).isEqualTo(ZipFormat.EOCD_SIG);
    assertThat(ZipFormat.u32(b, locator)).isEqualTo(ZipFormat.ZIP64_LOCATOR_SIG);
    assertThat(ZipFormat.u64(b, locator + 8)).isEqualTo(record);
    assertThat(ZipFormat.u32(b, locator + 16)).isEqualTo(1);
    assertThat(ZipFormat.u32(b, record)).isEqualTo(ZipFormat.ZIP64_EOCD_SIG);
    assertThat(ZipFormat.u64(b, record + 4)).isEqualTo(44);
    assertThat(ZipFormat.u16(b, record + 12)).isEqualTo(0x031E);
    assertThat(ZipFormat.u16(b, record + 14)).isEqualTo(45);
    assertThat(ZipFormat.u16(b, eocd + 20)).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1})
  void alignmentZeroOrOneWritesNoPaddingField(int alignment) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipWriter w = new ZipWriter(out, alignment)) {
      w.add("p/a", new byte[] {1, 2, 3});
    }
    byte[] b = out.toByteArray();
    assertThat(ZipFormat.u16(b, 28)).isZero();
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(b));
    assertThat(zip.entries().get(0).dataOffset()).isEqualTo(33);
    assertThat(zip.readAll(zip.entries().get(0), 10)).containsExactly(1, 2, 3);
  }

  @Test
  void roundTripsManySizesNamesAndAlignments() throws IOException {
    int[] alignments = {0, 1, 2, 3, 7, 8, 64, 100, 4096, ZipWriter.MAX_ALIGNMENT};
    String[] names = {"a", "archive/data/0", "x/ünï/中文", "d/" + "n".repeat(300), "a.b/c-d_e"};
    for (int alignment : alignments) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      List<byte[]> contents = new ArrayList<>();
      try (ZipWriter w = new ZipWriter(out, alignment)) {
        for (int i = 0; i < 40; i++) {
          byte[] data = new byte[(i * 37) % 300];
          for (int j = 0; j < data.length; j++) {
            data[j] = (byte) (i * 31 + j);
          }
          contents.add(data);
          w.add(names[i % names.length] + "/" + i, data);
        }
      }
      ZipArchive zip = ZipArchive.read(ByteSource.wrap(out.toByteArray()));
      assertThat(zip.entries()).hasSize(40);
      for (int i = 0; i < 40; i++) {
        ZipEntry e = zip.entries().get(i);
        assertThat(e.name()).isEqualTo(names[i % names.length] + "/" + i);
        assertThat(zip.readAll(e, 1000)).isEqualTo(contents.get(i));
        assertThat(zip.crcMatches(e)).isTrue();
        if (alignment > 1) {
          assertThat(e.dataOffset() % alignment).as("alignment %d", alignment).isZero();
        }
      }
    }
  }

  @Test
  void outputIsReadableByJdkZipFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("x.zip");
    try (ZipWriter w = new ZipWriter(Files.newOutputStream(file), 64)) {
      w.add("p/a", "hello".getBytes(StandardCharsets.UTF_8));
      w.add("p/empty", new byte[0]);
      w.add("p/b", new byte[1000]);
    }
    try (ZipFile z = new ZipFile(file.toFile())) {
      assertThat(Collections.list(z.entries()))
          .extracting(java.util.zip.ZipEntry::getName)
          .containsExactly("p/a", "p/empty", "p/b");
      assertThat(z.getInputStream(z.getEntry("p/a")).readAllBytes())
          .isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
      assertThat(z.getEntry("p/b").getSize()).isEqualTo(1000);
      assertThat(z.getEntry("p/a").getCrc())
          .isEqualTo(crc("hello".getBytes(StandardCharsets.UTF_8)));
    }
  }

  @Test
  void moreThan65535EntriesSaturateTheClassicCountLikeMiniz() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = 70_000;
    try (ZipWriter w = new ZipWriter(out, 0)) {
      for (int i = 0; i < n; i++) {
        w.add("p/" + i, new byte[0]);
      }
    }
    byte[] b = out.toByteArray();
    int eocd = b.length - 22;
    assertThat(ZipFormat.u16(b, eocd + 8)).isEqualTo(0xFFFF);
    assertThat(ZipFormat.u16(b, eocd + 10)).isEqualTo(0xFFFF);
    assertThat(ZipFormat.u64(b, eocd - 20 - 56 + 32)).isEqualTo(n);
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(b));
    assertThat(zip.entries()).hasSize(n);
    assertThat(zip.entries().get(n - 1).name()).isEqualTo("p/" + (n - 1));
  }

  @Test
  void emptyArchiveIsValid() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ZipWriter(out, 64).close();
    assertThat(out.size()).isEqualTo(56 + 20 + 22);
    ZipArchive zip = ZipArchive.read(ByteSource.wrap(out.toByteArray()));
    assertThat(zip.entries()).isEmpty();
    assertThat(zip.centralDirectoryOffset()).isZero();
  }

  @Test
  void refusesDataWriterThatWritesMoreOrFewerBytes() throws IOException {
    ZipWriter more = new ZipWriter(new ByteArrayOutputStream(), 64);
    assertThatThrownBy(() -> more.add("p/a", 3, out -> out.write(new byte[4])))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("more than the 3 bytes announced");
    assertThatThrownBy(() -> more.add("p/b", new byte[1]))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("earlier write failed");

    ZipWriter fewer = new ZipWriter(new ByteArrayOutputStream(), 64);
    assertThatThrownBy(() -> fewer.add("p/a", 3, out -> out.write(1)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("wrote 1 bytes, but 3 were announced");
    assertThatThrownBy(fewer::finish).isInstanceOf(IllegalStateException.class);
    fewer.close();
  }

  @Test
  void refusesBadNamesDuplicatesAndNegativeSizes() throws IOException {
    try (ZipWriter w = new ZipWriter(new ByteArrayOutputStream(), 64)) {
      w.add("p/a", new byte[0]);
      for (String bad :
          new String[] {
            "", "/abs", "a\\b", "a/../b", "./a", "a\0b", "a//b", "dir/", "p/a", "x\uD800"
          }) {
        assertThatThrownBy(() -> w.add(bad, new byte[0]))
            .as(bad)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("Cannot add zip entry");
      }
      assertThatThrownBy(() -> w.add("n".repeat(0x10000), new byte[0]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("65535");
      assertThatThrownBy(() -> w.add("p/neg", -1, out -> {}))
          .isInstanceOf(IllegalArgumentException.class);
      // Refused names leave the writer usable.
      w.add("p/b", new byte[] {1});
    }
  }

  @Test
  void refusesAddAfterFinish() throws IOException {
    ZipWriter w = new ZipWriter(new ByteArrayOutputStream(), 64);
    w.finish();
    assertThatThrownBy(() -> w.add("p/a", new byte[0])).isInstanceOf(IllegalStateException.class);
    w.close();
    w.close();
  }

  @Test
  void refusesAlignmentOutOfRange() {
    assertThatThrownBy(() -> new ZipWriter(new ByteArrayOutputStream(), -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new ZipWriter(new ByteArrayOutputStream(), ZipWriter.MAX_ALIGNMENT + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void paddingMatchesTorchGetPadding() {
    // Worked example from the format guide: a 4 GiB + 64 B entry at 335 with a 10-byte name.
    assertThat(ZipWriter.padding(335, 10, (1L << 32) + 64, 64)).isEqualTo(49);
    // First entry: data always starts at 64.
    assertThat(ZipWriter.padding(0, 12, 232, 64)).isEqualTo(64 - 30 - 12 - 4);
    // Offset past 4 GiB adds the 12-byte ZIP64 field (header and offset).
    long lho = 0x1_0000_01D8L;
    int pad = ZipWriter.padding(lho, 12, 16, 64);
    assertThat((lho + 30 + 12 + 12 + 4 + pad) % 64).isZero();
  }

  static long crc(byte[] b) {
    CRC32 c = new CRC32();
    c.update(b);
    return c.getValue();
  }
}
