package io.modelstash.format;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Positioned, read-only input of known length. Parsers in this library see only this, never files,
 * so they can be fed bytes in tests and fuzzers and large files without loading them into memory.
 *
 * <p>Implementations are safe for concurrent positioned reads.
 */
public interface ByteSource extends Closeable {

  /** The number of bytes in this source. */
  long size();

  /**
   * Reads exactly {@code dst.remaining()} bytes starting at {@code position}.
   *
   * @throws EOFException if the range extends past {@link #size()}
   */
  void readFully(long position, ByteBuffer dst) throws IOException;

  /** Reads {@code length} bytes at {@code position} into a new array. */
  default byte[] read(long position, int length) throws IOException {
    checkRange(position, length);
    byte[] out = new byte[length];
    readFully(position, ByteBuffer.wrap(out));
    return out;
  }

  /** A stream over {@code length} bytes starting at {@code position}. */
  default InputStream openStream(long position, long length) throws IOException {
    checkRange(position, length);
    return new SourceInputStream(this, position, length);
  }

  /** A view of {@code length} bytes of this source starting at {@code offset}. */
  default ByteSource slice(long offset, long length) throws IOException {
    checkRange(offset, length);
    ByteSource parent = this;
    return new ByteSource() {
      @Override
      public long size() {
        return length;
      }

      @Override
      public void readFully(long position, ByteBuffer dst) throws IOException {
        if (position < 0 || position > length - dst.remaining()) {
          throw new EOFException(
              "Cannot read "
                  + dst.remaining()
                  + " bytes at offset "
                  + position
                  + ": slice has "
                  + length
                  + " bytes");
        }
        parent.readFully(offset + position, dst);
      }

      @Override
      public void close() {}
    };
  }

  /** Throws {@link EOFException} unless {@code [position, position+length)} lies in the source. */
  default void checkRange(long position, long length) throws EOFException {
    if (position < 0 || length < 0 || position > size() || length > size() - position) {
      throw new EOFException(
          "Cannot read "
              + length
              + " bytes at offset "
              + position
              + ": input has "
              + size()
              + " bytes (truncated file?)");
    }
  }

  /** A source over an in-memory array (not copied). */
  static ByteSource wrap(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return new ByteSource() {
      @Override
      public long size() {
        return bytes.length;
      }

      @Override
      public void readFully(long position, ByteBuffer dst) throws IOException {
        checkRange(position, dst.remaining());
        dst.put(bytes, (int) position, dst.remaining());
      }

      @Override
      public InputStream openStream(long position, long length) throws IOException {
        checkRange(position, length);
        return new ByteArrayInputStream(bytes, (int) position, (int) length);
      }

      @Override
      public void close() {}
    };
  }

  /** Opens a file for positioned reads. The caller closes the returned source. */
  static ByteSource open(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    long size = channel.size();
    return new ByteSource() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public void readFully(long position, ByteBuffer dst) throws IOException {
        checkRange(position, dst.remaining());
        long pos = position;
        while (dst.hasRemaining()) {
          int n = channel.read(dst, pos);
          if (n < 0) {
            throw new EOFException("Cannot read " + file + ": file shrank while reading");
          }
          pos += n;
        }
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  /** Sequential reader over a range of a {@link ByteSource}. */
  final class SourceInputStream extends InputStream {
    private final ByteSource source;
    private long position;
    private final long end;

    SourceInputStream(ByteSource source, long position, long length) {
      this.source = source;
      this.position = position;
      this.end = position + length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      if (position >= end) {
        return -1;
      }
      int n = (int) Math.min(len, end - position);
      source.readFully(position, ByteBuffer.wrap(b, off, n));
      position += n;
      return n;
    }

    @Override
    public long skip(long n) {
      long k = Math.max(0, Math.min(n, end - position));
      position += k;
      return k;
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, end - position);
    }
  }
}
