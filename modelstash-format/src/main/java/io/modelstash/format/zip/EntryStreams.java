package io.modelstash.format.zip;

import io.modelstash.format.FormatException;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** The streams {@link ZipArchive#open} returns: stored data as is, deflated data inflated. */
final class EntryStreams {
  private EntryStreams() {}

  /**
   * Turns an {@link EOFException} from the source (the file shrank after it was parsed) into a
   * {@link FormatException} naming the entry.
   */
  static final class Stored extends FilterInputStream {
    private final String entryName;

    Stored(InputStream in, String entryName) {
      super(in);
      this.entryName = entryName;
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (EOFException e) {
        throw truncated(entryName, e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (EOFException e) {
        throw truncated(entryName, e);
      }
    }
  }

  /**
   * Inflates raw deflate data and yields exactly {@code expected} bytes. It never produces more
   * than {@code expected + 1} bytes internally, so a deflate bomb costs no more than its declared
   * size, and it fails if the stream is shorter or longer than declared, or if compressed bytes are
   * left over after the end of the deflate stream. {@code compressed} must already turn EOF into
   * {@link FormatException} (see {@link Stored}).
   */
  static final class Inflating extends InputStream {
    private final InputStream compressed;
    private final String entryName;
    private final long expected;
    private final Inflater inflater = new Inflater(true);
    private final byte[] input = new byte[16 * 1024];
    private long produced;
    private boolean done;
    private boolean closed;

    Inflating(InputStream compressed, String entryName, long expected) {
      this.compressed = compressed;
      this.entryName = entryName;
      this.expected = expected;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (closed) {
        throw new IOException("Cannot read entry " + ZipNames.quote(entryName) + ": stream closed");
      }
      if (len == 0) {
        return 0;
      }
      if (done) {
        return -1;
      }
      while (true) {
        // Ask for at most one byte past the declared size: enough to detect a longer stream.
        long room = expected - produced;
        int want = room >= len ? len : (int) room + 1;
        int n;
        try {
          n = inflater.inflate(b, off, want);
        } catch (DataFormatException e) {
          throw new FormatException(
              "Cannot inflate entry "
                  + ZipNames.quote(entryName)
                  + ": invalid deflate data after "
                  + produced
                  + " bytes ("
                  + e.getMessage()
                  + ")",
              e);
        }
        if (n > 0) {
          produced += n;
          if (produced > expected) {
            throw new FormatException(
                "Cannot inflate entry "
                    + ZipNames.quote(entryName)
                    + ": data inflates to more than the declared "
                    + expected
                    + " bytes (zip bomb or corrupt size?)");
          }
          return n;
        }
        if (inflater.finished()) {
          finish();
          return -1;
        }
        if (inflater.needsDictionary()) {
          throw new FormatException(
              "Cannot inflate entry "
                  + ZipNames.quote(entryName)
                  + ": deflate data needs a preset dictionary");
        }
        if (inflater.needsInput()) {
          int r = compressed.read(input);
          if (r < 0) {
            throw new FormatException(
                "Cannot inflate entry "
                    + ZipNames.quote(entryName)
                    + ": compressed data ends before the deflate stream does, after "
                    + produced
                    + " of "
                    + expected
                    + " bytes (truncated entry?)");
          }
          inflater.setInput(input, 0, r);
        }
      }
    }

    private void finish() throws IOException {
      if (produced != expected) {
        throw new FormatException(
            "Cannot inflate entry "
                + ZipNames.quote(entryName)
                + ": data inflates to "
                + produced
                + " bytes, expected "
                + expected
                + " (corrupt size?)");
      }
      if (inflater.getRemaining() > 0 || compressed.read() >= 0) {
        throw new FormatException(
            "Cannot inflate entry "
                + ZipNames.quote(entryName)
                + ": compressed bytes follow the end of the deflate stream (corrupt compressed size?)");
      }
      done = true;
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        inflater.end();
        compressed.close();
      }
    }
  }

  static FormatException truncated(String entryName, EOFException e) {
    return new FormatException(
        "Cannot read entry "
            + ZipNames.quote(entryName)
            + ": the file ended early ("
            + e.getMessage()
            + ")",
        e);
  }
}
