package io.modelstash.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** Plain-text tables and human-readable sizes for listings. */
final class Table {
  private Table() {}

  /**
   * Prints rows with columns padded to their widest cell; {@code right[i]} right-aligns column i.
   */
  static void print(PrintWriter out, List<String[]> rows, boolean[] right) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        if (i > 0) {
          sb.append("  ");
        }
        String cell = r[i];
        String pad = " ".repeat(width[i] - cell.length());
        boolean last = i == cols - 1;
        if (i < right.length && right[i]) {
          sb.append(pad).append(cell);
        } else {
          sb.append(cell).append(last ? "" : pad);
        }
      }
      out.println(sb);
    }
  }

  /** 1536 → "1.5 KiB". */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
