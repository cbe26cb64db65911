package io.modelstash.store.blob;

import io.modelstash.store.name.Digest;
import java.io.IOException;

/** Thrown when a blob that was asked for is not in the store. */
public final class MissingBlobException extends IOException {

  private final BlobKind kind;
  private final Digest id;

  /**
   * Creates the exception for the object {@code kind}/{@code id}, in the store at {@code where}.
   */
  public MissingBlobException(BlobKind kind, Digest id, String where) {
    super(
        "Cannot read "
            + kind.noun()
            + " "
            + id
            + ": it is not in the blob store at "
            + where
            + " (run 'modelstash verify' to find versions that need it)");
    this.kind = kind;
    this.id = id;
  }

  /** The namespace that was searched. */
  public BlobKind kind() {
    return kind;
  }

  /** The missing object's id. */
  public Digest id() {
    return id;
  }
}
