package io.modelstash.store.chunk;

import io.modelstash.store.name.Digest;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the codec for {@link ChunkEncoder#encodeBest}: every candidate encodes the same sample of
 * the chunk (a few slices spread evenly over it), the sizes rank the candidates, and only the best
 * encodes the whole chunk.
 *
 * <p>Encoding the runner-up as well when its sample came within 3% of the best's did not pay: on S1
 * it ran for 79% of the chunks and won 1.7% of them, and dropping it made ten warm puts 12% faster
 * for 0.04% more stored bytes on S1 and 0.01% fewer on S3 (the other scenarios moved by a few
 * bytes).
 *
 * <p>Sampling with the real codecs, rather than estimating order-0 entropy from byte histograms,
 * keeps the estimate honest for data where zstd's matches matter (repeated rows, constant runs) and
 * for zstd's own overheads. Measured on float16/32/64 weights and AdamW moments, both estimators
 * made the same picks, within 0.04% of the best of all before the runner-up check, for samples of
 * 16 to 64 KiB; the histograms were cheaper, but for four candidates a 32 KiB sample of a 1 MiB
 * chunk costs only about half of one full encode.
 *
 * <p>When the patch codec is a candidate (bytes that are not floating point, with a base), every
 * candidate encodes the whole chunk: zstd is fast, and a slice of the chunk is not where the
 * matching bytes of the base are.
 */
final class CodecSelector {

  /** Slices in a sample. */
  static final int SLICES = 8;

  /** Bytes per slice; a multiple of every element width. */
  static final int SLICE = 4 << 10;

  /** Chunks up to this length are encoded every way, since a sample would be most of them. */
  static final int FULL_BELOW = 4 * SLICES * SLICE;

  private CodecSelector() {}

  /** The chosen codec and the payload it produced for the whole chunk. */
  record Choice(int codecId, boolean delta, byte[] payload) {
    /** What the choice adds to the object: the payload, and the base digest for a delta. */
    int cost() {
      return payload.length + (delta ? Digest.BYTES : 0);
    }
  }

  private interface Coder {
    byte[] encode(byte[] raw, byte[] base);
  }

  private record Candidate(int codecId, boolean delta, Coder coder) {}

  static Choice choose(byte[] raw, ElementType type, byte[] base) {
    List<Candidate> candidates = candidates(type, raw, base);
    // a sample of a chunk does not line up with a sample of a patch base of another length
    boolean patch = candidates.stream().anyMatch(c -> c.codecId() == PatchCodec.ID);
    if (raw.length <= FULL_BELOW || candidates.size() == 1 || patch) {
      Choice best = null;
      for (Candidate c : candidates) {
        best = smaller(best, encode(c, raw, base));
      }
      return best;
    }
    byte[] sample = sample(raw, type.width());
    byte[] baseSample = base == null ? null : sample(base, type.width());
    int best = 0;
    long bestEstimate = Long.MAX_VALUE;
    for (int i = 0; i < candidates.size(); i++) {
      long estimate = encode(candidates.get(i), sample, baseSample).cost();
      if (estimate < bestEstimate) {
        best = i;
        bestEstimate = estimate;
      }
    }
    return encode(candidates.get(best), raw, base);
  }

  private static List<Candidate> candidates(ElementType type, byte[] raw, byte[] base) {
    List<Candidate> out = new ArrayList<>(4);
    ZstdCodec zstd = new ZstdCodec();
    out.add(new Candidate(ZstdCodec.ID, false, (r, b) -> zstd.encode(r)));
    if (type.floating()) {
      ByteGroupingCodec grouped = new ByteGroupingCodec(type);
      out.add(new Candidate(ByteGroupingCodec.ID, false, (r, b) -> grouped.encode(r)));
    }
    if (base != null && !type.floating() && PatchCodec.accepts(base)) {
      PatchCodec patch = new PatchCodec();
      out.add(new Candidate(PatchCodec.ID, true, patch::encode));
    }
    if (base != null && base.length == raw.length) {
      XorDeltaCodec xor = new XorDeltaCodec(type);
      SubtractDeltaCodec subtract = new SubtractDeltaCodec(type);
      out.add(new Candidate(XorDeltaCodec.ID, true, xor::encode));
      out.add(new Candidate(SubtractDeltaCodec.ID, true, subtract::encode));
      if (type.equals(ElementType.OPAQUE)) {
        // opaque bytes hold small float32 tensors, still 4-byte aligned: a torch zip aligns its
        // records to 64 bytes and the payloads cut out of the stream are whole elements
        XorDeltaCodec xor4 = new XorDeltaCodec(ElementType.FLOAT32);
        SubtractDeltaCodec subtract4 = new SubtractDeltaCodec(ElementType.FLOAT32);
        out.add(new Candidate(XorDeltaCodec.ID, true, xor4::encode));
        out.add(new Candidate(SubtractDeltaCodec.ID, true, subtract4::encode));
      }
    }
    return out;
  }

  private static Choice encode(Candidate c, byte[] raw, byte[] base) {
    return new Choice(c.codecId(), c.delta(), c.coder().encode(raw, base));
  }

  private static Choice smaller(Choice a, Choice b) {
    return a == null || b.cost() < a.cost() ? b : a;
  }

  /**
   * {@link #SLICES} slices of {@link #SLICE} bytes, the first at the start and the last at the end
   * of {@code b}, the others evenly between, each starting on an element boundary.
   */
  static byte[] sample(byte[] b, int width) {
    byte[] out = new byte[SLICES * SLICE];
    long span = b.length - SLICE;
    for (int i = 0; i < SLICES; i++) {
      int at = (int) (span * i / (SLICES - 1));
      at -= at % width;
      System.arraycopy(b, at, out, i * SLICE, SLICE);
    }
    return out;
  }
}
