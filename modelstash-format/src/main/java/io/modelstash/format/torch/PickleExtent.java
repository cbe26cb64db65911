package io.modelstash.format.torch;

import io.modelstash.format.ByteSource;
import io.modelstash.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Finds where a pickle that starts at a given offset ends (just past its STOP opcode) by walking
 * opcodes and their operands, without interpreting them. Needed for the legacy format, where
 * several pickles and then raw storage data follow each other with no length fields.
 */
final class PickleExtent {
  private final ByteSource src;
  private final long limit;
  private final byte[] window = new byte[1 << 16];
  private long windowStart = -1;
  private int windowLength;

  private PickleExtent(ByteSource src, long limit) {
    this.src = src;
    this.limit = limit;
  }

  /**
   * Offset just past the STOP of the pickle starting at {@code start}, scanning at most to {@code
   * limit}.
   */
  static long end(ByteSource src, long start, long limit) throws IOException {
    return new PickleExtent(src, Math.min(limit, src.size())).scan(start);
  }

  private int u8(long pos) throws IOException {
    if (pos >= limit) {
      throw new FormatException(
          "Cannot read legacy checkpoint: pickle at offset "
              + pos
              + " has no STOP opcode (truncated file?)");
    }
    if (pos < windowStart || pos >= windowStart + windowLength) {
      windowStart = pos;
      windowLength = (int) Math.min(window.length, limit - pos);
      src.readFully(pos, ByteBuffer.wrap(window, 0, windowLength));
    }
    return window[(int) (pos - windowStart)] & 0xFF;
  }

  private long le(long pos, int n) throws IOException {
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = (v << 8) | u8(pos + i);
    }
    return v;
  }

  private long skipLine(long pos) throws IOException {
    while (u8(pos) != '\n') {
      pos++;
    }
    return pos + 1;
  }

  private long skipBytes(long pos, long n) throws FormatException {
    if (n < 0 || n > limit - pos) {
      throw new FormatException(
          "Cannot read legacy checkpoint: pickle operand of "
              + n
              + " bytes at offset "
              + pos
              + " runs past the end of the file (truncated file?)");
    }
    return pos + n;
  }

  private long scan(long pos) throws IOException {
    while (true) {
      int op = u8(pos++);
      switch (op) {
        case '.':
          return pos;
        case 0x80: // PROTO
        case 'K': // BININT1
        case 'h': // BINGET
        case 'q': // BINPUT
        case 0x82: // EXT1
          pos = skipBytes(pos, 1);
          break;
        case 'M': // BININT2
        case 0x83: // EXT2
          pos = skipBytes(pos, 2);
          break;
        case 'J': // BININT
        case 'j': // LONG_BINGET
        case 'r': // LONG_BINPUT
        case 0x84: // EXT4
          pos = skipBytes(pos, 4);
          break;
        case 'G': // BINFLOAT
        case 0x95: // FRAME: its content is ordinary opcodes, so only the length is skipped
          pos = skipBytes(pos, 8);
          break;
        case 'U': // SHORT_BINSTRING
        case 'C': // SHORT_BINBYTES
        case 0x8C: // SHORT_BINUNICODE
        case 0x8A: // LONG1
          pos = skipBytes(pos + 1, u8(pos));
          break;
        case 'T': // BINSTRING
        case 'B': // BINBYTES
        case 'X': // BINUNICODE
        case 0x8B: // LONG4
          pos = skipBytes(pos + 4, le(pos, 4));
          break;
        case 0x8D: // BINUNICODE8
        case 0x8E: // BINBYTES8
        case 0x96: // BYTEARRAY8
          pos = skipBytes(pos + 8, le(pos, 8));
          break;
        case 'I':
        case 'L':
        case 'F':
        case 'S':
        case 'V':
        case 'P':
        case 'g':
        case 'p':
          pos = skipLine(pos);
          break;
        case 'c': // GLOBAL
        case 'i': // INST
          pos = skipLine(skipLine(pos));
          break;
        default:
          if (!NO_OPERAND.get(op)) {
            throw new FormatException(
                "Cannot read legacy checkpoint: unknown pickle opcode 0x"
                    + Integer.toHexString(op)
                    + " at offset "
                    + (pos - 1));
          }
      }
    }
  }

  private static final java.util.BitSet NO_OPERAND = new java.util.BitSet(256);

  static {
    for (char c : "()]}012abdelostuNRQt".toCharArray()) {
      NO_OPERAND.set(c);
    }
    for (int op :
        new int[] {
          0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98
        }) {
      NO_OPERAND.set(op);
    }
  }

  static long readLongLe(ByteSource src, long pos) throws IOException {
    if (pos < 0 || pos > src.size() - 8) {
      throw new FormatException(
          "Cannot read legacy checkpoint: storage header at offset " + pos + " is truncated");
    }
    return ByteBuffer.wrap(src.read(pos, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }
}
