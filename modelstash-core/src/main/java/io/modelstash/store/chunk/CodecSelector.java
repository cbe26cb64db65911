package io.modelstash.store.chunk;

import io.modelstash.store.name.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Chooses the codec for {@link ChunkEncoder#encodeBest}: every candidate encodes the same sample of
 * the chunk (a few slices spread evenly over it), the sizes rank the candidates, and only the best
 * encodes the whole chunk.
 *
 * <p>Encoding the runner-up as well when its sample came within 3% of the best's did not pay: on S1
 * it ran for 79% of the chunks and won 1.7% of them, and dropping it made ten warm puts 12% faster
 * for 0.04% more stored bytes on S1 and 0.01% fewer on S3 (the other scenarios moved by a few
 * bytes). Payloads with per-context tables keep a sample fair by giving a context its own table
 * only for a minimum number of units, the same in a sample as in a whole chunk ({@link
 * MagnitudePayload}).
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

  /**
   * Versions within which a new keyframe must repay its cost (see {@link #restarts}). Measured on
   * the benchmark scenarios against the rule before it (a delta whenever it is smaller), in stored
   * chunk bytes: S1 1.1%, S3 0.1%, S4 4.5% and S6 8.3% smaller, S2 the same, S5 0.1% larger (runs
   * of three epochs, whose last new keyframe is never repaid); and by order-0 entropy on S1 and S3
   * as one 20-version history, where the learning rate drops halfway, 7.4% smaller. With 2, S5 grew
   * by 2.7%, as every run's third epoch became a keyframe.
   */
  static final int KEYFRAME_PAYBACK = 1;

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

  /**
   * The best encoding of {@code raw}, given its base (or null) and where to get the latest chunk
   * stored as a delta against that base at the same place (or null; asked only when a new keyframe
   * could pay, and it may answer null): see {@link ChunkEncoder#encodeBest}.
   */
  static Choice choose(byte[] raw, ElementType type, byte[] base, Supplier<byte[]> latest) {
    List<Candidate> candidates = candidates(type, raw, base);
    // a sample of a chunk does not line up with a sample of a patch base of another length
    boolean patch = candidates.stream().anyMatch(c -> c.codecId() == PatchCodec.ID);
    boolean whole = raw.length <= FULL_BELOW || candidates.size() == 1 || patch;
    byte[] sample = whole ? raw : sample(raw, type.width());
    byte[] baseSample = whole || base == null ? base : sample(base, type.width());
    Choice[] made = new Choice[candidates.size()];
    for (int i = 0; i < made.length; i++) {
      made[i] = encode(candidates.get(i), sample, baseSample);
    }
    int best = smallest(made, candidates, true);
    int alone = smallest(made, candidates, false);
    Candidate bestDelta = candidates.get(best);
    if (bestDelta.delta()
        && latest != null
        && !patch
        && restarts(
            made[alone].cost(),
            made[best].cost(),
            () -> {
              byte[] l = latest.get();
              return l == null || l.length != raw.length
                  ? Long.MAX_VALUE
                  : encode(bestDelta, sample, whole ? l : sample(l, type.width())).cost();
            })) {
      best = alone;
    }
    return whole ? made[best] : encode(candidates.get(best), raw, base);
  }

  /**
   * Whether a new keyframe pays: what storing standalone costs over the best delta against the base
   * is repaid if the next {@link #KEYFRAME_PAYBACK} versions each save what a delta against the
   * latest chunk saves over one against the base (the distance a new base would spare them). The
   * delta against the latest chunk is estimated with the codec that did best against the base, and
   * not at all where the answer cannot be yes (a delta at most half the standalone size).
   */
  private static boolean restarts(long alone, long toBase, LongSupplier toLatest) {
    long gainNeeded = (alone - toBase) / KEYFRAME_PAYBACK;
    return toBase - gainNeeded > 0 && toBase - toLatest.getAsLong() > gainNeeded;
  }

  /** The index of the smallest choice, among all or only among those that are not deltas. */
  private static int smallest(Choice[] made, List<Candidate> candidates, boolean deltas) {
    int best = -1;
    for (int i = 0; i < made.length; i++) {
      if ((deltas || !candidates.get(i).delta())
          && (best < 0 || made[i].cost() < made[best].cost())) {
        best = i;
      }
    }
    return best;
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
      out.add(new Candidate(XorDeltaCodec.ID, true, xor::encode));
      if (Tuning.subtract(type)) {
        SubtractDeltaCodec subtract = new SubtractDeltaCodec(type);
        out.add(new Candidate(SubtractDeltaCodec.ID, true, subtract::encode));
      }
      if (Tuning.magnitude(type)) {
        MagnitudeDeltaCodec magnitude = new MagnitudeDeltaCodec(type);
        out.add(new Candidate(MagnitudeDeltaCodec.ID, true, magnitude::encode));
      }
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
