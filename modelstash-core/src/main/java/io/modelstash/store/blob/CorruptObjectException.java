package io.modelstash.store.blob;

import java.io.IOException;

/**
 * Thrown when a stored object (a chunk or a manifest) fails a check: bad magic, unknown version,
 * checksum mismatch, inconsistent lengths, or content whose SHA-256 is not its name.
 *
 * <p>The message names the object and says what was expected and what was found, e.g. {@code Chunk
 * 3fa2… is corrupt: expected sha256 X, actual Y}. Readers throw this instead of ever returning
 * wrong bytes.
 */
public class CorruptObjectException extends IOException {

  /** Creates the exception with a one-line message naming the object. */
  public CorruptObjectException(String message) {
    super(message);
  }

  /** Creates the exception with a one-line message and the low-level failure behind it. */
  public CorruptObjectException(String message, Throwable cause) {
    super(message, cause);
  }
}
