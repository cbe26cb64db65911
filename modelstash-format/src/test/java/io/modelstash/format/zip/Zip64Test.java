package io.modelstash.format.zip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.FormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ZIP64 against a real 4 GiB + 1 KiB file written by PyTorch 1.13.1, kept in the test resources
 * without its all-zero payload ({@code zip64-sparse.bin}, see {@code make.py}). Nothing of 4 GiB
 * touches the disk: the reader sees a {@link SparseSource}, the writer a stream that keeps
 * everything but the payload.
 */
class Zip64Test {
  private static final long BIG = (1L << 32) + 64;
  private static final String PREFIX = "modelstash-zip64-big/";
  private static final byte[] ZEROS = new byte[1 << 20];

  private static long fileSize;
  private static long payloadStart;
  private static long payloadEnd;
  private static byte[] head;
  private static byte[] tail;

  @BeforeAll
  static void load() {
    ByteBuffer b =
        ByteBuffer.wrap(ZipTestFiles.bytes("zip64-sparse.bin")).order(ByteOrder.LITTLE_ENDIAN);
    fileSize = b.getLong();
    payloadStart = b.getLong();
    payloadEnd = b.getLong();
    head = new byte[(int) payloadStart];
    b.get(head);
    tail = new byte[b.remaining()];
    b.get(tail);
  }

  private static SparseSource torchFile() {
    return new SparseSource(fileSize).put(0, head).put(payloadEnd, tail);
  }

  @Test
  void readsTorchZip64File() throws IOException {
    ZipArchive zip = ZipArchive.read(torchFile());

    assertThat(zip.entries())
        .extracting(ZipEntry::name)
        .containsExactly(
            PREFIX + "data.pkl", PREFIX + "data/0", PREFIX + "data/1", PREFIX + "version");
    ZipEntry big = zip.find(PREFIX + "data/0").orElseThrow();
    assertThat(big.size()).isEqualTo(BIG);
    assertThat(big.compressedSize()).isEqualTo(BIG);
    assertThat(big.dataOffset()).isEqualTo(payloadStart).isEqualTo(0x1C0);
    assertThat(big.dataEnd()).isEqualTo(payloadEnd);
    assertThat(big.recordEnd()).isEqualTo(payloadEnd + 24);

    ZipEntry after = zip.find(PREFIX + "data/1").orElseThrow();
    assertThat(after.localHeaderOffset()).isEqualTo(big.recordEnd()).isGreaterThan(0xFFFF_FFFFL);
    assertThat(after.dataOffset() % 64).isZero();
    assertThat(zip.readAll(after, 16)).isEqualTo(floats(0, 1, 2, 3));
    assertThat(zip.crcMatches(after)).isTrue();
    ZipEntry version = zip.find(PREFIX + "version").orElseThrow();
    assertThat(version.localHeaderOffset()).isGreaterThan(0xFFFF_FFFFL);
    assertThat(zip.readAll(version, 16)).isEqualTo("3\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(zip.centralDirectoryOffset())
        .isEqualTo(version.recordEnd())
        .isGreaterThan(0xFFFF_FFFFL);
  }

  @Test
  void streamsAndChecksTheCrcOfAnEntryLargerThan4GiB() throws IOException {
    ZipArchive zip = ZipArchive.read(torchFile());
    ZipEntry big = zip.find(PREFIX + "data/0").orElseThrow();

    assertThat(zip.crcMatches(big)).isTrue();
    assertThatThrownBy(() -> zip.readAll(big, Integer.MAX_VALUE))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("use open()");
  }

  @Test
  void writerReproducesTorchZip64FileByteForByte() throws IOException {
    ZipArchive zip = ZipArchive.read(torchFile());
    PayloadSkippingStream out = new PayloadSkippingStream();
    try (ZipWriter w = new ZipWriter(out, ZipWriter.TORCH_ALIGNMENT)) {
      for (ZipEntry e : zip.entries()) {
        if (e.size() == BIG) {
          w.add(e.name(), e.size(), Zip64Test::writeZeros);
        } else {
          w.add(e.name(), zip.readAll(e, 1 << 20));
        }
      }
    }
    // The writer buffers small writes, so the payload's last few zeros arrive as copies.
    long copiedZeros = payloadEnd - payloadStart - out.gapLength;
    assertThat(out.gapStart).isEqualTo(payloadStart);
    assertThat(copiedZeros).isBetween(0L, (long) ZEROS.length);
    assertThat(out.total).isEqualTo(fileSize);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(head);
    expected.writeBytes(new byte[(int) copiedZeros]);
    expected.writeBytes(tail);
    assertThat(out.kept.toByteArray()).isEqualTo(expected.toByteArray());
  }

  private static void writeZeros(OutputStream out) throws IOException {
    for (long left = BIG; left > 0; ) {
      int n = (int) Math.min(left, ZEROS.length);
      out.write(ZEROS, 0, n);
      left -= n;
    }
  }

  private static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  /** Keeps every byte written except writes of {@link #ZEROS} itself, which must be contiguous. */
  private static final class PayloadSkippingStream extends OutputStream {
    final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    long total;
    long gapStart = -1;
    long gapLength;

    @Override
    public void write(int b) {
      kept.write(b);
      total++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (b == ZEROS) {
        if (gapStart < 0) {
          gapStart = total;
        }
        assertThat(gapStart + gapLength).as("payload is contiguous").isEqualTo(total);
        gapLength += len;
      } else {
        kept.write(b, off, len);
      }
      total += len;
    }
  }
}
