package io.modelstash.store.name;

/**
 * One version of one model path, printed and parsed as {@code path@number}.
 *
 * @param path the model path
 * @param number the version number, 1 or more
 */
public record VersionId(ModelPath path, long number) implements Comparable<VersionId> {

  /**
   * Validates the id.
   *
   * @throws InvalidNameException if {@code number} is less than 1
   */
  public VersionId {
    if (path == null) {
      throw new NullPointerException("path");
    }
    if (number < 1) {
      throw new InvalidNameException(
          "Invalid version number " + number + ": versions are numbered from 1");
    }
  }

  /**
   * Parses {@code path@number}.
   *
   * @throws InvalidNameException if {@code text} is not of that form
   */
  public static VersionId parse(String text) {
    Ref ref = Ref.parse(text);
    if (!(ref.selector() instanceof Ref.Number)) {
      throw new InvalidNameException(
          "Invalid version id "
              + InvalidNameException.quote(text)
              + ": expected PATH@NUMBER, e.g. 'project/model@3'");
    }
    return new VersionId(ref.path(), ((Ref.Number) ref.selector()).number());
  }

  /** The ref that selects exactly this version. */
  public Ref toRef() {
    return Ref.version(path, number);
  }

  @Override
  public int compareTo(VersionId other) {
    int c = path.compareTo(other.path);
    return c != 0 ? c : Long.compare(number, other.number);
  }

  @Override
  public String toString() {
    return path + "@" + number;
  }
}
