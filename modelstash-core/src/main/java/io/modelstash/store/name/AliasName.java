package io.modelstash.store.name;

/**
 * The name of a movable alias such as {@code best} or {@code prod}.
 *
 * <p>An alias name matches {@code [A-Za-z][A-Za-z0-9._-]*}, has at most {@value #MAX_LENGTH}
 * characters and is not {@code latest} in any letter case ({@code latest} always means the newest
 * version). Starting with a letter keeps alias names apart from version numbers.
 */
public record AliasName(String value) implements Comparable<AliasName> {

  /** Most characters an alias name may have. */
  public static final int MAX_LENGTH = 128;

  /**
   * Validates the name.
   *
   * @throws InvalidNameException if {@code value} is not a valid alias name
   */
  public AliasName {
    String reason = problem(value);
    if (reason != null) {
      throw new InvalidNameException(
          "Invalid alias name " + InvalidNameException.quote(value) + ": " + reason);
    }
  }

  /** Same as the constructor; reads better at call sites. */
  public static AliasName of(String value) {
    return new AliasName(value);
  }

  /** Why {@code value} is not a valid alias name, or null if it is. */
  static String problem(String value) {
    if (value.isEmpty()) {
      return "it is empty (use a letter followed by letters, digits, '.', '_', '-')";
    }
    if (value.length() > MAX_LENGTH) {
      return "it has " + value.length() + " characters, at most " + MAX_LENGTH + " are allowed";
    }
    if (value.equalsIgnoreCase("latest")) {
      return "'latest' is reserved for the newest version (choose another name)";
    }
    char first = value.charAt(0);
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) {
      return "it must start with a letter (use a letter followed by letters, digits, '.', '_',"
          + " '-')";
    }
    for (int i = 1; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!ModelPath.isAllowed(c)) {
        return "it contains "
            + InvalidNameException.quote(String.valueOf(c))
            + " (use letters, digits, '.', '_', '-')";
      }
    }
    return null;
  }

  @Override
  public int compareTo(AliasName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
