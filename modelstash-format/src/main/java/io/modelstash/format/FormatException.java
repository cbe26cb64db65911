package io.modelstash.format;

import java.io.IOException;

/**
 * The one checked error of the format library: the input is corrupt, truncated, hostile, or uses
 * something this library refuses to read. Messages are one line, name what was wrong and, where it
 * helps, what was expected and what was found. Nothing partial is ever returned alongside it.
 */
public class FormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public FormatException(String message) {
    super(message);
  }

  public FormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
