package io.modelstash.cli;

import io.modelstash.s3.S3BlobStore;
import io.modelstash.s3.S3Location;
import io.modelstash.store.ModelStash;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.CatalogException;
import io.modelstash.store.catalog.postgres.PostgresCatalog;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Opens the store a {@link StoreLocation} names: one directory, or a catalog plus blobs. */
final class Stores {
  private Stores() {}

  /** Opens the store; the caller closes it. */
  static ModelStash open(StoreLocation location) throws IOException {
    if (!location.isSplit()) {
      return ModelStash.open(location.directory().orElseThrow());
    }
    Catalog catalog = catalog(location.catalog().orElseThrow());
    try {
      BlobStore blobs = blobs(location);
      return ModelStash.using(workDirectory(), catalog, blobs);
    } catch (IOException | RuntimeException e) {
      try {
        catalog.close();
      } catch (CatalogException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /**
   * Creates the store or checks it, and says what was checked: the catalog schema is created or
   * upgraded, and the blob store must exist and take writes.
   */
  static List<String> init(StoreLocation location) throws IOException {
    List<String> done = new ArrayList<>();
    if (!location.isSplit()) {
      try (ModelStash s = ModelStash.open(location.directory().orElseThrow())) {
        done.add("directory " + s.directory() + " is a modelstash store");
      }
      return done;
    }
    String catalogUrl = location.catalog().orElseThrow();
    // opening creates or upgrades the schema
    catalog(catalogUrl).close();
    done.add("catalog " + StoreLocation.redact(catalogUrl) + ": schema is current");
    try (BlobStore b = blobs(location)) {
      if (b instanceof S3BlobStore) {
        ((S3BlobStore) b).check();
        done.add("blobs " + location.blobs().orElseThrow() + ": bucket exists and takes writes");
      } else {
        done.add("blobs " + location.blobs().orElseThrow() + ": folder is ready");
      }
    }
    try (ModelStash s = open(location)) {
      done.add(
          "store "
              + s.storeIdentity().orElseThrow()
              + ": the catalog and the blobs belong to it (neither opens with another store's)");
    }
    return done;
  }

  private static Catalog catalog(String url) throws IOException {
    if (StoreLocation.isPostgres(url)) {
      return PostgresCatalog.open(url);
    }
    Path file = StoreLocation.sqliteFile(url);
    return SqliteCatalog.open(file);
  }

  private static BlobStore blobs(StoreLocation location) throws IOException {
    String url = location.blobs().orElseThrow();
    if (StoreLocation.isS3(url)) {
      S3Location s3;
      try {
        s3 = S3Location.parse(url);
      } catch (IllegalArgumentException e) {
        throw new UserException(ExitCode.USAGE, e.getMessage());
      }
      if (location.s3Endpoint().isPresent()) {
        s3 = s3.withEndpoint(location.s3Endpoint().get().toString());
      }
      return S3BlobStore.open(s3);
    }
    return LocalBlobStore.open(StoreLocation.blobFolder(url));
  }

  /**
   * Where a team store's temporary files go (spooled uploads, inflated gzip files); {@link
   * ModelStash#using} creates it.
   */
  private static Path workDirectory() {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return Path.of(System.getProperty("java.io.tmpdir"), "modelstash-" + user);
  }
}
