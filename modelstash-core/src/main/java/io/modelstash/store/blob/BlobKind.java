package io.modelstash.store.blob;

import io.modelstash.store.name.Digest;

/** The namespaces of a blob store. The same digest may name one object in each. */
public enum BlobKind {
  /** Encoded chunks, named by the SHA-256 of their raw bytes. */
  CHUNK("chunks", "chunk"),
  /** Manifests, named by the SHA-256 of their bytes. */
  MANIFEST("manifests", "manifest"),
  /**
   * Version records (which manifest a committed version number uses, or that it was removed), named
   * by the SHA-256 of their bytes; they let a lost catalog be rebuilt.
   */
  RECORD("records", "version record");

  private final String directory;
  private final String noun;

  BlobKind(String directory, String noun) {
    this.directory = directory;
    this.noun = noun;
  }

  /** The folder (or key prefix) name for this kind: {@code chunks}, {@code manifests}, … */
  public String directory() {
    return directory;
  }

  /**
   * Where the object {@code id} of this kind lives, relative to a store's root, with {@code /}
   * between the parts: {@code chunks/ab/ab12…}. Every blob store uses this layout.
   */
  public String relativeName(Digest id) {
    String hex = id.hex();
    return directory + "/" + hex.substring(0, 2) + "/" + hex;
  }

  /** A word for messages: {@code chunk}, {@code manifest}, {@code version record}. */
  public String noun() {
    return noun;
  }
}
