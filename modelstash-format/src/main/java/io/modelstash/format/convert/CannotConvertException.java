package io.modelstash.format.convert;

import java.io.IOException;

/** The target format cannot express something in the input; nothing was written. */
public final class CannotConvertException extends IOException {
  private static final long serialVersionUID = 1L;

  public CannotConvertException(String message) {
    super(message);
  }
}
