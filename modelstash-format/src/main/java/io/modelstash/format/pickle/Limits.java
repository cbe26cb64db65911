package io.modelstash.format.pickle;

/**
 * Resource bounds for reading one pickle, so hostile input fails fast instead of exhausting memory
 * or time. {@code maxOpcodes}: opcodes executed; {@code maxDepth}: open MARKs and nested
 * containers; {@code maxMemo}: distinct memo entries; {@code maxBytes}: length of the pickle from
 * its first byte to its STOP.
 */
public record Limits(int maxOpcodes, int maxDepth, int maxMemo, long maxBytes) {
  public Limits {
    if (maxOpcodes <= 0 || maxDepth <= 0 || maxMemo <= 0 || maxBytes <= 0) {
      throw new IllegalArgumentException(
          String.format(
              "limits must be positive: opcodes %d, depth %d, memo %d, bytes %d",
              maxOpcodes, maxDepth, maxMemo, maxBytes));
    }
  }

  /** 50M opcodes, depth 1000, 10M memo entries, 1 GiB. */
  public static Limits defaults() {
    return new Limits(50_000_000, 1000, 10_000_000, 1L << 30);
  }
}
