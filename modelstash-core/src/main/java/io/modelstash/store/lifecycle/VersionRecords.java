package io.modelstash.store.lifecycle;

import io.modelstash.store.StoreException;
import io.modelstash.store.blob.BlobInfo;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.blob.MissingBlobException;
import io.modelstash.store.manifest.VersionRecord;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reading and writing {@link VersionRecord}s in a blob store. */
public final class VersionRecords {
  private VersionRecords() {}

  /**
   * Writes a record of a catalog change that has already happened; a failure says so.
   *
   * @param done what happened, for the message, e.g. {@code Saved a/b@3}
   */
  public static void write(BlobStore blobs, VersionRecord record, String done) throws IOException {
    byte[] bytes = record.encode();
    try {
      blobs.put(BlobKind.RECORD, Digest.of(bytes), bytes);
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.STORE,
          done
              + ", but could not write its version record ("
              + e.getMessage()
              + "); the catalog is right, but 'repair --rebuild-catalog' would not know of it",
          e);
    }
  }

  /** A stored record, or why it could not be read. */
  record Stored(BlobInfo blob, VersionRecord record, String problem) {}

  /** Every stored record; unreadable ones carry a problem instead of a record. */
  static List<Stored> readAll(BlobStore blobs) throws IOException {
    List<BlobInfo> infos;
    try (Stream<BlobInfo> s = blobs.list(BlobKind.RECORD)) {
      infos = s.toList();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    List<Stored> out = new ArrayList<>();
    for (BlobInfo b : infos) {
      try {
        out.add(
            new Stored(b, VersionRecord.decode(blobs.get(BlobKind.RECORD, b.id()), b.id()), null));
      } catch (MissingBlobException e) {
        // removed by a concurrent gc after the listing
      } catch (CorruptObjectException e) {
        out.add(new Stored(b, null, e.getMessage()));
      }
    }
    return out;
  }
}
