package io.modelstash.store.blob;

/** The namespaces of a blob store. The same digest may name one object in each. */
public enum BlobKind {
  /** Encoded chunks, named by the SHA-256 of their raw bytes. */
  CHUNK("chunks", "chunk"),
  /** Manifests, named by the SHA-256 of their bytes. */
  MANIFEST("manifests", "manifest");

  private final String directory;
  private final String noun;

  BlobKind(String directory, String noun) {
    this.directory = directory;
    this.noun = noun;
  }

  /** The folder (or key prefix) name for this kind: {@code chunks} or {@code manifests}. */
  public String directory() {
    return directory;
  }

  /** A word for messages: {@code chunk} or {@code manifest}. */
  public String noun() {
    return noun;
  }
}
