package io.modelstash.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads durations such as {@code 30d}, {@code 12h}, {@code 1h30m}, {@code 90s}, {@code 500ms},
 * {@code 2w} or {@code 0}.
 */
final class Durations implements CommandLine.ITypeConverter<Duration> {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|w|d|h|m|s)");

  @Override
  public Duration convert(String text) {
    return parse(text);
  }

  static Duration parse(String text) {
    if (text.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(text);
    Duration total = Duration.ZERO;
    int at = 0;
    while (at < text.length() && m.find(at) && m.start() == at) {
      long n;
      try {
        n = Long.parseLong(m.group(1));
        total = total.plus(unit(m.group(2)).multipliedBy(n));
      } catch (NumberFormatException | ArithmeticException e) {
        throw invalid(text);
      }
      at = m.end();
    }
    if (at == 0 || at != text.length()) {
      throw invalid(text);
    }
    return total;
  }

  private static Duration unit(String u) {
    switch (u) {
      case "ms":
        return Duration.ofMillis(1);
      case "s":
        return Duration.ofSeconds(1);
      case "m":
        return Duration.ofMinutes(1);
      case "h":
        return Duration.ofHours(1);
      case "d":
        return Duration.ofDays(1);
      default:
        return Duration.ofDays(7);
    }
  }

  private static CommandLine.TypeConversionException invalid(String text) {
    return new CommandLine.TypeConversionException(
        "Invalid duration '" + text + "': write e.g. 30d, 12h, 1h30m, 90s or 0");
  }

  /** 5400 s → "1h30m". */
  static String format(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    StringBuilder b = new StringBuilder();
    long s = d.getSeconds();
    long[] sizes = {86400, 3600, 60, 1};
    String[] names = {"d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      if (s >= sizes[i]) {
        b.append(s / sizes[i]).append(names[i]);
        s %= sizes[i];
      }
    }
    if (d.getNano() > 0) {
      b.append(d.getNano() / 1_000_000).append("ms");
    }
    return b.toString();
  }
}
