package io.modelstash.format;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A file as an ordered list of {@link Segment}s over a {@link ByteSource}: opaque bytes, tensor
 * payloads, and deflate streams that decompose further. The segments tile the source without gaps
 * or overlaps, so {@link #writeTo} reproduces the source byte for byte.
 *
 * <p>Closing releases resources the decomposition owns (an inflated copy of a gzip member); it
 * never closes the source it was given.
 */
public final class Decomposition implements Closeable {
  private final String format;
  private final ByteSource source;
  private final List<Segment> segments;
  private final Closeable owned;

  /**
   * @param owned closed with this decomposition (may be null)
   */
  public Decomposition(String format, ByteSource source, List<Segment> segments, Closeable owned) {
    this.format = Objects.requireNonNull(format, "format");
    this.source = Objects.requireNonNull(source, "source");
    this.segments = List.copyOf(segments);
    this.owned = owned;
    long pos = 0;
    for (Segment s : this.segments) {
      if (s.offset() != pos) {
        throw new IllegalArgumentException(
            "segments must tile the source: expected offset " + pos + ", got " + s.offset());
      }
      pos += s.length();
    }
    if (pos != source.size()) {
      throw new IllegalArgumentException(
          "segments cover " + pos + " bytes but the source has " + source.size());
    }
  }

  /** The whole source as one opaque segment. */
  public static Decomposition opaque(String format, ByteSource source) {
    List<Segment> one =
        source.size() == 0 ? List.of() : List.of(new Segment.Opaque(0, source.size()));
    return new Decomposition(format, source, one, null);
  }

  /**
   * Builds the tiling for sorted, non-overlapping payloads: the gaps between them become opaque
   * segments; empty payloads are dropped.
   */
  public static Decomposition withPayloads(
      String format, ByteSource source, List<Segment.Payload> sortedPayloads) {
    List<Segment> out = new ArrayList<>();
    long pos = 0;
    for (Segment.Payload p : sortedPayloads) {
      if (p.length() == 0) {
        continue;
      }
      if (p.offset() < pos) {
        throw new IllegalArgumentException("payloads overlap at " + p.offset());
      }
      if (p.offset() > pos) {
        out.add(new Segment.Opaque(pos, p.offset() - pos));
      }
      out.add(p);
      pos = p.offset() + p.length();
    }
    if (pos < source.size()) {
      out.add(new Segment.Opaque(pos, source.size() - pos));
    }
    return new Decomposition(format, source, out, null);
  }

  /** What the decomposed bytes are: {@code torch-zip}, {@code gzip+torch-legacy}, {@code raw}. */
  public String format() {
    return format;
  }

  public ByteSource source() {
    return source;
  }

  public List<Segment> segments() {
    return segments;
  }

  /** Total bytes of tensor payloads, including those inside deflate streams. */
  public long payloadBytes() {
    long n = 0;
    for (Segment s : segments) {
      if (s instanceof Segment.Payload) {
        n += s.length();
      } else if (s instanceof Segment.Deflated) {
        n += ((Segment.Deflated) s).inner().payloadBytes();
      }
    }
    return n;
  }

  /** Rebuilds the source from the segments alone (re-deflating nested streams). */
  public void writeTo(OutputStream out) throws IOException {
    byte[] buf = new byte[1 << 16];
    for (Segment s : segments) {
      if (s instanceof Segment.Deflated) {
        Segment.Deflated d = (Segment.Deflated) s;
        try (DeflateWriter w = new DeflateWriter(out, d.level(), d.flushPoints())) {
          d.inner().writeTo(w);
        }
        continue;
      }
      for (long done = 0; done < s.length(); ) {
        int n = (int) Math.min(buf.length, s.length() - done);
        source.readFully(s.offset() + done, ByteBuffer.wrap(buf, 0, n));
        out.write(buf, 0, n);
        done += n;
      }
    }
  }

  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (Segment s : segments) {
      if (s instanceof Segment.Deflated) {
        try {
          ((Segment.Deflated) s).inner().close();
        } catch (IOException e) {
          failure = e;
        }
      }
    }
    if (owned != null) {
      try {
        owned.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
