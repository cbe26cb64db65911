package io.modelstash.store.catalog;

import java.io.IOException;

/**
 * Thrown when the catalog cannot do what was asked: the database failed, was busy for too long, or
 * was created by a newer modelstash. Expected outcomes (an alias conflict, a missing version) are
 * results, not this exception.
 */
public class CatalogException extends IOException {

  /** Creates the exception with a one-line message. */
  public CatalogException(String message) {
    super(message);
  }

  /** Creates the exception with a one-line message and its cause. */
  public CatalogException(String message, Throwable cause) {
    super(message, cause);
  }
}
