package io.modelstash.store.name;

/**
 * Selects one version of a model path: {@code PATH@7} (a number), {@code PATH@latest} or plain
 * {@code PATH} (the newest version), {@code PATH@ALIAS} (an alias such as {@code best}), or {@code
 * PATH@min:METRIC} / {@code PATH@max:METRIC} (the version with the lowest / highest recorded value
 * of a metric; on a tie, the newest of them).
 *
 * <p>{@link #toString} always prints the explicit form, so plain {@code a/b} prints as {@code
 * a/b@latest}; parsing what is printed gives an equal ref. Version numbers are printed and accepted
 * without leading zeros.
 *
 * @param path the model path
 * @param selector which version of it
 */
public record Ref(ModelPath path, Selector selector) {

  /** Largest version number a ref may name. */
  public static final long MAX_VERSION = 999_999_999_999_999_999L;

  /** Which version of a path a ref selects. */
  public sealed interface Selector permits Latest, Number, Alias, Best {}

  /** The newest version. */
  public record Latest() implements Selector {
    @Override
    public String toString() {
      return "latest";
    }
  }

  /**
   * The version with this number.
   *
   * @param number 1 or more
   */
  public record Number(long number) implements Selector {
    /** Checks the range. */
    public Number {
      if (number < 1 || number > MAX_VERSION) {
        throw new InvalidNameException(
            "Invalid version number " + number + ": versions are numbered from 1");
      }
    }

    @Override
    public String toString() {
      return Long.toString(number);
    }
  }

  /**
   * The version an alias points to.
   *
   * @param name the alias
   */
  public record Alias(AliasName name) implements Selector {
    /** Checks for null. */
    public Alias {
      if (name == null) {
        throw new NullPointerException("name");
      }
    }

    @Override
    public String toString() {
      return name.value();
    }
  }

  /**
   * The version with the lowest ({@code min:}) or highest ({@code max:}) value of a metric; among
   * equal values, the newest. Versions without the metric are not considered.
   *
   * @param metric the metric name: 1 to {@value #MAX_METRIC_LENGTH} characters, no control
   *     characters
   * @param highest whether the highest value wins
   */
  public record Best(String metric, boolean highest) implements Selector {
    /** Checks the metric name. */
    public Best {
      String reason = metricProblem(metric);
      if (reason != null) {
        throw new InvalidNameException("Invalid metric name: " + reason);
      }
    }

    @Override
    public String toString() {
      return (highest ? "max:" : "min:") + metric;
    }
  }

  /** Longest metric name a ref may name (the longest a catalog records). */
  public static final int MAX_METRIC_LENGTH = 256;

  private static final Latest LATEST = new Latest();

  /** Checks for nulls. */
  public Ref {
    if (path == null || selector == null) {
      throw new NullPointerException(path == null ? "path" : "selector");
    }
  }

  /** The newest version of {@code path}. */
  public static Ref latest(ModelPath path) {
    return new Ref(path, LATEST);
  }

  /** Version {@code number} of {@code path}. */
  public static Ref version(ModelPath path, long number) {
    return new Ref(path, new Number(number));
  }

  /** The version that alias {@code name} of {@code path} points to. */
  public static Ref alias(ModelPath path, AliasName name) {
    return new Ref(path, new Alias(name));
  }

  /** The version of {@code path} with the lowest (or, if {@code highest}, highest) metric. */
  public static Ref best(ModelPath path, String metric, boolean highest) {
    return new Ref(path, new Best(metric, highest));
  }

  static String metricProblem(String metric) {
    if (metric == null || metric.isEmpty()) {
      return "it is empty (write PATH@min:METRIC or PATH@max:METRIC)";
    }
    if (metric.length() > MAX_METRIC_LENGTH) {
      return "it has " + metric.length() + " characters, at most " + MAX_METRIC_LENGTH;
    }
    for (int i = 0; i < metric.length(); i++) {
      if (Character.isISOControl(metric.charAt(i))) {
        return "it contains a control character";
      }
    }
    return null;
  }

  /**
   * Parses {@code PATH}, {@code PATH@latest}, {@code PATH@NUMBER}, {@code PATH@ALIAS}, {@code
   * PATH@min:METRIC} or {@code PATH@max:METRIC}.
   *
   * @throws InvalidNameException naming what is wrong
   */
  public static Ref parse(String text) {
    int at = text.indexOf('@');
    if (at < 0) {
      return latest(ModelPath.parse(text));
    }
    ModelPath path = ModelPath.parse(text.substring(0, at));
    String sel = text.substring(at + 1);
    if (sel.isEmpty()) {
      throw invalid(text, "nothing after '@' (give a version number, 'latest' or an alias)");
    }
    if (sel.equals("latest")) {
      return latest(path);
    }
    if (sel.startsWith("min:") || sel.startsWith("max:")) {
      String metric = sel.substring(4);
      String reason = metricProblem(metric);
      if (reason != null) {
        throw invalid(text, "metric name " + InvalidNameException.quote(metric) + ": " + reason);
      }
      return best(path, metric, sel.startsWith("max:"));
    }
    if (isDigits(sel)) {
      if (sel.length() > 1 && sel.charAt(0) == '0') {
        throw invalid(text, "version number '" + sel + "' has a leading zero");
      }
      if (sel.length() > 18) {
        throw invalid(text, "version number is too large");
      }
      long n = Long.parseLong(sel);
      if (n == 0) {
        throw invalid(text, "there is no version 0 (versions are numbered from 1)");
      }
      return version(path, n);
    }
    String reason = AliasName.problem(sel);
    if (reason != null) {
      throw invalid(text, "alias " + InvalidNameException.quote(sel) + " is invalid: " + reason);
    }
    return alias(path, new AliasName(sel));
  }

  private static boolean isDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static InvalidNameException invalid(String text, String reason) {
    return new InvalidNameException(
        "Invalid ref " + InvalidNameException.quote(text) + ": " + reason);
  }

  @Override
  public String toString() {
    return path + "@" + selector;
  }
}
