package io.modelstash.store.blob;

import io.modelstash.store.name.Digest;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Write-once storage for content-addressed objects (encoded chunks and manifests).
 *
 * <p>Every implementation guarantees:
 *
 * <ul>
 *   <li><b>Write once.</b> An object is named by its {@link BlobKind} and a {@link Digest} chosen
 *       by the caller (the store does not hash or interpret content). Putting an id that already
 *       exists is a successful no-op that keeps the stored bytes; callers only ever put the same
 *       content under the same id.
 *   <li><b>All or nothing.</b> An object becomes visible to {@link #exists}, {@link #get}, {@link
 *       #open}, {@link #size} and {@link #list} only complete and only after {@link #put} returned.
 *       A put that fails (source error, disk full, crash) leaves no object visible, partial or
 *       whole, under that id; at most invisible temporary data that the implementation cleans up.
 *   <li><b>Durable on return.</b> When {@code put} returns, the object survives a crash of the
 *       process or the machine.
 *   <li><b>Safe under concurrency.</b> All methods may be called from many threads and processes at
 *       once, including concurrent puts of the same id.
 *   <li><b>Missing is explicit.</b> Reading an absent object throws {@link MissingBlobException},
 *       never returns empty or partial data.
 * </ul>
 *
 * <p>Deletion exists only for garbage collection, which decides elsewhere that nothing refers to an
 * object any more.
 */
public interface BlobStore extends Closeable {

  /** Whether the object exists (complete). */
  boolean exists(BlobKind kind, Digest id) throws IOException;

  /**
   * Stores {@code data} under {@code id}; a no-op if the object already exists.
   *
   * @throws IOException if the object could not be stored; then nothing is visible under {@code id}
   *     unless an earlier or concurrent put stored it
   */
  default void put(BlobKind kind, Digest id, byte[] data) throws IOException {
    put(kind, id, new ByteArrayInputStream(data), data.length);
  }

  /**
   * Stores exactly {@code length} bytes read from {@code in} under {@code id}; a no-op if the
   * object already exists, in which case {@code in} may not be read at all. Does not close {@code
   * in} and never reads more than {@code length} bytes from it.
   *
   * @throws IOException if {@code in} fails or ends before {@code length} bytes, or the object
   *     could not be stored; then nothing is visible under {@code id} unless an earlier or
   *     concurrent put stored it
   */
  void put(BlobKind kind, Digest id, InputStream in, long length) throws IOException;

  /**
   * {@link #put(BlobKind, Digest, InputStream, long)} for an object the caller has reason to think
   * absent (the catalog has no record of it), so the store may skip asking whether it exists: a
   * round trip for a remote store. If it does exist, it is written again with the same bytes.
   */
  default void putNew(BlobKind kind, Digest id, InputStream in, long length) throws IOException {
    put(kind, id, in, length);
  }

  /**
   * Reads a whole object.
   *
   * @throws MissingBlobException if it does not exist
   */
  byte[] get(BlobKind kind, Digest id) throws IOException;

  /**
   * Opens an object for streaming; the caller closes the stream.
   *
   * @throws MissingBlobException if it does not exist
   */
  InputStream open(BlobKind kind, Digest id) throws IOException;

  /**
   * Opens {@code length} bytes of an object starting at byte {@code offset}, for streaming; the
   * caller closes the stream, which yields exactly {@code length} bytes. The range is checked
   * before this returns.
   *
   * <p>The default reads the size, then skips to {@code offset} in {@link #open(BlobKind, Digest)};
   * implementations that can seek or fetch a range override it.
   *
   * @throws IllegalArgumentException if {@code offset} or {@code length} is negative
   * @throws EOFException if the range reaches past the end of the object
   * @throws MissingBlobException if the object does not exist
   */
  default InputStream open(BlobKind kind, Digest id, long offset, long length) throws IOException {
    checkRange(kind, id, offset, length, size(kind, id));
    InputStream in = open(kind, id);
    try {
      in.skipNBytes(offset);
    } catch (IOException | RuntimeException e) {
      try {
        in.close();
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    return new RangeInputStream(in, length, kind, id);
  }

  /**
   * Checks a range for {@link #open(BlobKind, Digest, long, long)} against the object's size.
   *
   * @throws IllegalArgumentException if {@code offset} or {@code length} is negative
   * @throws EOFException if the range reaches past {@code size}
   */
  static void checkRange(BlobKind kind, Digest id, long offset, long length, long size)
      throws EOFException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException(
          "Invalid range: offset " + offset + " and length " + length + " must not be negative");
    }
    if (offset > size || length > size - offset) {
      throw new EOFException(
          "Cannot read bytes ["
              + offset
              + ", "
              + (offset + length)
              + ") of "
              + kind.noun()
              + " "
              + id
              + ": it has only "
              + size
              + " bytes");
    }
  }

  /**
   * The length of an object in bytes.
   *
   * @throws MissingBlobException if it does not exist
   */
  long size(BlobKind kind, Digest id) throws IOException;

  /**
   * Deletes an object; only garbage collection calls this.
   *
   * @return whether the object existed
   */
  boolean delete(BlobKind kind, Digest id) throws IOException;

  /**
   * Lists the complete objects of one kind, in no particular order. The caller must close the
   * stream. Objects put or deleted while the stream is consumed may or may not appear. An I/O error
   * while the stream is consumed is thrown as {@link UncheckedIOException}.
   */
  Stream<BlobInfo> list(BlobKind kind) throws IOException;

  /**
   * The identity of the store these blobs belong to, kept in one small object next to the kinds'
   * folders ({@link #IDENTITY_NAME}), or empty if there is none (see {@code
   * io.modelstash.store.StoreBinding}).
   */
  Optional<String> storeIdentity() throws IOException;

  /** Writes the store's identity object, durably; the caller reads it back to confirm. */
  void recordStoreIdentity(String id) throws IOException;

  /** The name of the identity object, relative to the store's root (as the kinds' folders are). */
  String IDENTITY_NAME = "IDENTITY";

  /** Releases resources; the default does nothing. */
  @Override
  default void close() throws IOException {}
}
