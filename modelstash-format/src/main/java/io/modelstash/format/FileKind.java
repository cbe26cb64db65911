package io.modelstash.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** What a file is, judged from its bytes alone (never its name), in the order torch.load checks. */
public enum FileKind {
  /** A zip archive: the PyTorch 1.6+ format, or TorchScript / torch.package (refused). */
  ZIP,
  /** The legacy pickle stream of PyTorch 0.4–1.5 ({@code _use_new_zipfile_serialization=False}). */
  TORCH_LEGACY,
  /** The tar format of PyTorch 0.3 and older (refused, as current torch.load does). */
  TAR,
  SAFETENSORS,
  GZIP,
  UNKNOWN;

  /** The first 15 bytes of every legacy torch.save stream: PROTO 2 and the magic LONG1. */
  private static final byte[] LEGACY_MAGIC = {
    (byte) 0x80,
    2,
    (byte) 0x8A,
    0x0A,
    0x6C,
    (byte) 0xFC,
    (byte) 0x9C,
    0x46,
    (byte) 0xF9,
    0x20,
    0x6A,
    (byte) 0xA8,
    0x50,
    0x19,
    0x2E
  };

  public static FileKind detect(ByteSource src) throws IOException {
    long size = src.size();
    byte[] head = src.read(0, (int) Math.min(size, 512));
    if (startsWith(head, new byte[] {0x50, 0x4B, 0x03, 0x04})) {
      return ZIP;
    }
    if (head.length >= 3 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B && head[2] == 8) {
      return GZIP;
    }
    if (startsWith(head, LEGACY_MAGIC)) {
      return TORCH_LEGACY;
    }
    if (head.length >= 262
        && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar")) {
      return TAR;
    }
    if (head.length >= 9) {
      long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      // the header length is checked by the safetensors reader, which says what is wrong with it
      if (n > 0) {
        for (int i = 8; i < head.length; i++) {
          byte b = head[i];
          if (b == '{') {
            return SAFETENSORS;
          }
          if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
            break;
          }
        }
      }
    }
    return UNKNOWN;
  }

  private static boolean startsWith(byte[] data, byte[] prefix) {
    if (data.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
