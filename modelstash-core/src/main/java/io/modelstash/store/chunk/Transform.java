package io.modelstash.store.chunk;

/**
 * How an element is combined with the matching element of a base chunk before byte grouping. Each
 * is a bijection for a fixed base, so it loses nothing.
 */
enum Transform {
  /** The element itself (no base). */
  NONE,
  /** Bitwise XOR with the base element. */
  XOR,
  /**
   * The difference from the base element as unsigned integers of the unit width, wrapping around,
   * then zigzag-mapped ({@code (d << 1) ^ (d >> (bits - 1))}) so small negative differences have
   * small codes too.
   */
  SUBTRACT
}
