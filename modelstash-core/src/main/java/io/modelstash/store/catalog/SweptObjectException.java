package io.modelstash.store.catalog;

import io.modelstash.store.name.Digest;

/**
 * A commit was refused because a garbage-collection sweep that overlapped the writer removed a
 * chunk or manifest the new version needs. Nothing was committed; the writer should wait until that
 * sweep has settled ({@link Catalog#sweepFence()} no longer lists it as open) and write the version
 * again, which stores the removed objects anew.
 */
public class SweptObjectException extends CatalogException {
  private static final long serialVersionUID = 1L;

  private final transient Digest object;
  private final long generation;

  /** Creates the exception for {@code what} ({@code chunk} or {@code manifest}) {@code object}. */
  public SweptObjectException(String what, Digest object, long generation) {
    super(
        "Cannot commit: "
            + what
            + " "
            + object
            + " was removed by garbage collection sweep "
            + generation
            + " while this version was being written (write it again)");
    this.object = object;
    this.generation = generation;
  }

  /** The chunk or manifest that was removed. */
  public Digest object() {
    return object;
  }

  /** The sweep that removed it. */
  public long generation() {
    return generation;
  }
}
