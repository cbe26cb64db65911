package io.modelstash.store.query;

import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.manifest.Manifest;
import java.util.ArrayList;
import java.util.List;

/**
 * A byte range of one level of a layout, as pieces of chunks. Opaque segments map into the level's
 * opaque stream, payloads into their own chunks; a range that reaches into a deflate segment's
 * compressed bytes cannot be read this way.
 */
final class ChunkRange {
  /** {@code length} bytes of chunk {@code ref} from {@code offset}. */
  record Piece(Manifest.ChunkRef ref, int offset, int length) {}

  private ChunkRange() {}

  /** The layout {@code level} leads to: deflate-segment ordinals, outermost first. */
  static Manifest.Layout level(Manifest.Layout root, int[] level) throws CorruptObjectException {
    Manifest.Layout l = root;
    for (int k : level) {
      int seen = 0;
      Manifest.Layout inner = null;
      for (Manifest.Segment s : l.segments()) {
        if (s instanceof Manifest.Deflated && seen++ == k) {
          inner = ((Manifest.Deflated) s).inner();
          break;
        }
      }
      if (inner == null) {
        throw new CorruptObjectException(
            "Manifest is corrupt: a tensor's storage lies in deflate segment "
                + k
                + ", which does not exist");
      }
      l = inner;
    }
    return l;
  }

  /** The pieces holding bytes {@code [position, position + length)} of {@code level}. */
  static List<Piece> pieces(Manifest.Layout level, long position, long length)
      throws CorruptObjectException {
    List<Piece> out = new ArrayList<>();
    long end = position + length;
    long at = 0;
    long opaque = 0;
    for (Manifest.Segment s : level.segments()) {
      long from = Math.max(position, at);
      long to = Math.min(end, at + s.length());
      if (from < to) {
        if (s instanceof Manifest.Opaque) {
          cut(level.opaqueChunks(), opaque + (from - at), to - from, out);
        } else if (s instanceof Manifest.Payload) {
          cut(((Manifest.Payload) s).chunks(), from - at, to - from, out);
        } else {
          throw new CorruptObjectException(
              "Manifest is corrupt: a tensor's storage overlaps compressed bytes at " + from);
        }
      }
      if (s instanceof Manifest.Opaque) {
        opaque += s.length();
      }
      at += s.length();
    }
    if (end > at || position < 0) {
      throw new CorruptObjectException(
          "Manifest is corrupt: a tensor's storage ends at byte " + end + " of a level of " + at);
    }
    return out;
  }

  /** Appends the pieces of bytes {@code [from, from + length)} of a chunk list's concatenation. */
  private static void cut(List<Manifest.ChunkRef> chunks, long from, long length, List<Piece> out) {
    long at = 0;
    long end = from + length;
    for (Manifest.ChunkRef c : chunks) {
      long a = Math.max(from, at);
      long b = Math.min(end, at + c.length());
      if (a < b) {
        out.add(new Piece(c, (int) (a - at), (int) (b - a)));
      }
      at += c.length();
      if (at >= end) {
        return;
      }
    }
  }
}
