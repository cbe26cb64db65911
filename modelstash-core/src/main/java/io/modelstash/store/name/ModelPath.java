package io.modelstash.store.name;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A hierarchical model name such as {@code ProjectAlpha/Experiment1/model}.
 *
 * <p>A model path has 1 to {@value #MAX_SEGMENTS} segments separated by {@code /}. Each segment is
 * 1 to {@value #MAX_SEGMENT_LENGTH} characters from {@code [A-Za-z0-9._-]} and is neither {@code .}
 * nor {@code ..}. {@link #parse} accepts exactly the strings that {@link #toString} prints: no
 * leading, trailing or doubled slashes. Paths compare case-sensitively, segment by segment.
 */
public final class ModelPath implements Comparable<ModelPath> {

  /** Most segments a path may have. */
  public static final int MAX_SEGMENTS = 16;

  /** Most characters one segment may have (a common file-name limit). */
  public static final int MAX_SEGMENT_LENGTH = 255;

  private static final String ALLOWED = "(use letters, digits, '.', '_', '-')";

  private final List<String> segments;
  private final String text;

  private ModelPath(List<String> segments) {
    this.segments = List.copyOf(segments);
    this.text = String.join("/", segments);
  }

  /**
   * Parses a model path.
   *
   * @throws InvalidNameException if {@code text} is not a valid model path
   */
  public static ModelPath parse(String text) {
    if (text.isEmpty()) {
      throw invalid(text, "it is empty (give segments separated by '/', e.g. 'project/model')");
    }
    List<String> parts = Arrays.asList(text.split("/", -1));
    if (parts.size() > MAX_SEGMENTS) {
      throw invalid(
          text, "it has " + parts.size() + " segments, at most " + MAX_SEGMENTS + " are allowed");
    }
    for (int i = 0; i < parts.size(); i++) {
      checkSegment(text, parts.get(i), i + 1);
    }
    return new ModelPath(parts);
  }

  /**
   * Builds a path from segments.
   *
   * @throws InvalidNameException if a segment is invalid or there are too few or too many
   */
  public static ModelPath of(String first, String... more) {
    List<String> parts = new ArrayList<>();
    parts.add(first);
    parts.addAll(Arrays.asList(more));
    return parse(String.join("/", parts));
  }

  private static void checkSegment(String text, String segment, int position) {
    if (segment.isEmpty()) {
      throw invalid(text, "segment " + position + " is empty (remove the extra '/')");
    }
    if (segment.equals(".") || segment.equals("..")) {
      throw invalid(text, "segment '" + segment + "' is not allowed " + ALLOWED);
    }
    if (segment.length() > MAX_SEGMENT_LENGTH) {
      throw invalid(
          text,
          "segment "
              + position
              + " has "
              + segment.length()
              + " characters, at most "
              + MAX_SEGMENT_LENGTH
              + " are allowed");
    }
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (!isAllowed(c)) {
        throw invalid(
            text,
            "segment "
                + InvalidNameException.quote(segment)
                + " contains "
                + InvalidNameException.quote(String.valueOf(c))
                + " "
                + ALLOWED);
      }
    }
  }

  static boolean isAllowed(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == '-';
  }

  private static InvalidNameException invalid(String text, String reason) {
    return new InvalidNameException(
        "Invalid model path " + InvalidNameException.quote(text) + ": " + reason);
  }

  /** The segments, first to last; never empty. */
  public List<String> segments() {
    return segments;
  }

  /** The last segment. */
  public String name() {
    return segments.get(segments.size() - 1);
  }

  /** The path without its last segment, or empty for a one-segment path. */
  public Optional<ModelPath> parent() {
    return segments.size() == 1
        ? Optional.empty()
        : Optional.of(new ModelPath(segments.subList(0, segments.size() - 1)));
  }

  /**
   * Whether {@code prefix} equals this path or is an ancestor of it ({@code a/b} of {@code a/b/c},
   * not of {@code a/bc}).
   */
  public boolean startsWith(ModelPath prefix) {
    return prefix.segments.size() <= segments.size()
        && segments.subList(0, prefix.segments.size()).equals(prefix.segments);
  }

  /** Appends one segment. */
  public ModelPath child(String segment) {
    return parse(text + "/" + segment);
  }

  @Override
  public int compareTo(ModelPath other) {
    int n = Math.min(segments.size(), other.segments.size());
    for (int i = 0; i < n; i++) {
      int c = segments.get(i).compareTo(other.segments.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(segments.size(), other.segments.size());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelPath && ((ModelPath) o).text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /** The path as parsed: segments joined by {@code /}. */
  @Override
  public String toString() {
    return text;
  }
}
