package io.modelstash.store;

import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.PathSummary;
import io.modelstash.store.catalog.VersionInfo;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Ties a catalog to its blobs. A store given as a catalog and a blob store named separately (a team
 * store) could otherwise be opened with another store's bucket or folder: every object would look
 * missing, and gc would delete the other store's objects as unreferenced. So both record the same
 * store identity, a random UUID: the catalog in its {@code store_identity} table, the blobs in an
 * {@link BlobStore#IDENTITY_NAME} object. Opening checks that they agree.
 *
 * <p>The catalog records the identity first and the blobs second, so blobs with an identity their
 * catalog lacks belong to another catalog. A catalog with an identity whose blobs lack one (a crash
 * between the two writes, or two first openers racing) gets it written again when the blobs hold
 * this catalog's data. A store from before identities gets one the first time it is opened, after
 * the same check: the catalog's newest version must be in the blobs, or, for a catalog without
 * versions, the blobs must be empty.
 */
final class StoreBinding {
  private StoreBinding() {}

  /** Checks, or records, that {@code catalog} and {@code blobs} are one store; returns its id. */
  static String bind(Catalog catalog, BlobStore blobs) throws IOException {
    Optional<String> inCatalog = catalog.storeIdentity();
    Optional<String> inBlobs = blobs.storeIdentity();
    String cat = "catalog " + describe(catalog);
    String bl = describe(blobs);
    if (inCatalog.isPresent() && inBlobs.isPresent()) {
      if (!inCatalog.get().equals(inBlobs.get())) {
        throw refuse(
            cat
                + " belongs to store "
                + inCatalog.get()
                + ", but the blobs in "
                + bl
                + " belong to store "
                + inBlobs.get()
                + " (check --catalog and --blobs)");
      }
      return inCatalog.get();
    }
    if (inBlobs.isPresent()) {
      throw refuse(
          "the blobs in "
              + bl
              + " belong to store "
              + inBlobs.get()
              + ", whose catalog is not "
              + cat
              + " (check --catalog; only if that store's catalog is lost for good and this one"
              + " replaces it, delete "
              + BlobStore.IDENTITY_NAME
              + " there)");
    }
    Optional<String> problem = holdsOtherData(catalog, blobs);
    if (problem.isPresent()) {
      throw refuse(
          cat
              + inCatalog.map(id -> " (store " + id + ")").orElse("")
              + " and the blobs in "
              + bl
              + " do not go together: "
              + problem.get());
    }
    String id = catalog.recordStoreIdentity(UUID.randomUUID().toString());
    blobs.recordStoreIdentity(id);
    Optional<String> back = blobs.storeIdentity();
    if (!back.equals(Optional.of(id))) {
      throw refuse(
          "another catalog claimed the blobs in "
              + bl
              + " at the same time as "
              + cat
              + " (they now belong to store "
              + back.orElse("(none)")
              + "; check --catalog and --blobs)");
    }
    return id;
  }

  /**
   * Why blobs without an identity cannot be this catalog's, or empty if they can: they must hold
   * the catalog's newest version, or be empty for a catalog without versions.
   */
  private static Optional<String> holdsOtherData(Catalog catalog, BlobStore blobs)
      throws IOException {
    List<PathSummary> paths = catalog.listPaths();
    if (paths.isEmpty()) {
      for (BlobKind kind : List.of(BlobKind.MANIFEST, BlobKind.CHUNK)) {
        try (Stream<?> objects = blobs.list(kind)) {
          if (objects.findAny().isPresent()) {
            return Optional.of(
                "the catalog has no versions, but the blobs hold "
                    + kind.directory()
                    + " of another catalog (use an empty folder or bucket for a new store)");
          }
        }
      }
      return Optional.empty();
    }
    List<VersionInfo> log = catalog.log(paths.get(0).path());
    if (log.isEmpty()) {
      return Optional.empty();
    }
    VersionInfo newest = log.get(0);
    if (!blobs.exists(BlobKind.MANIFEST, newest.manifest())) {
      return Optional.of(
          "the manifest of "
              + newest.id()
              + " is not in the blobs, so they are another store's (check --blobs)");
    }
    return Optional.empty();
  }

  private static StoreException refuse(String why) {
    return new StoreException(StoreException.Kind.REFUSED, "Cannot open store: " + why);
  }

  /** {@code Name[where]} as {@code where}: what the catalog and blob stores print of themselves. */
  private static String describe(Object o) {
    String s = o.toString();
    int open = s.indexOf('[');
    return open > 0 && s.endsWith("]") ? s.substring(open + 1, s.length() - 1) : s;
  }
}
