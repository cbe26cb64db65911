package io.modelstash.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.lifecycle.GcOptions;
import io.modelstash.store.lifecycle.RetentionPolicy;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A catalog and blobs named separately are one store's, or the store does not open: another store's
 * blobs are never read from, written to or swept.
 */
class StoreBindingTest {
  private static final ModelPath PATH = ModelPath.parse("team/run/model");

  @TempDir Path dir;

  /** A store whose catalog file and blob folder are apart, as a team store's are. */
  private ModelStash open(String catalog, String blobs) throws IOException {
    return ModelStash.using(
        dir.resolve("work"),
        SqliteCatalog.open(dir.resolve(catalog)),
        LocalBlobStore.open(dir.resolve(blobs)));
  }

  private Path version(int seed) throws IOException {
    DeltaStoreTest.Weights w = new DeltaStoreTest.Weights(seed);
    return w.save(dir.resolve("w" + seed + ".safetensors"));
  }

  private String identityFile(String blobs) throws IOException {
    return Files.readString(dir.resolve(blobs).resolve(BlobStore.IDENTITY_NAME)).strip();
  }

  private List<String> sql(String catalog, String statement) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(catalog));
        Statement s = c.createStatement()) {
      if (!s.execute(statement)) {
        return List.of();
      }
      List<String> out = new java.util.ArrayList<>();
      try (java.sql.ResultSet rs = s.getResultSet()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  private long files(String blobs) throws IOException {
    try (Stream<Path> all = Files.walk(dir.resolve(blobs))) {
      return all.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void aNewStoreRecordsOneIdentityInItsCatalogAndItsBlobs() throws IOException {
    try (ModelStash s = open("a.db", "a-blobs")) {
      s.put(PATH, version(1), PutOptions.none());
    }
    List<String> inCatalog = sql("a.db", "SELECT id FROM store_identity");
    assertThat(inCatalog).hasSize(1);
    assertThat(identityFile("a-blobs")).isEqualTo(inCatalog.get(0)).hasSize(36);
    try (ModelStash s = open("a.db", "a-blobs")) {
      assertThat(s.log(PATH)).hasSize(1);
    }
    assertThat(sql("a.db", "SELECT id FROM store_identity")).isEqualTo(inCatalog);
  }

  @Test
  void anotherStoresBlobsAreRefusedAndLeftAlone() throws IOException {
    try (ModelStash a = open("a.db", "a-blobs");
        ModelStash b = open("b.db", "b-blobs")) {
      a.put(PATH, version(1), PutOptions.none());
      b.put(PATH, version(2), PutOptions.none());
    }
    String idA = identityFile("a-blobs");
    String idB = identityFile("b-blobs");
    long before = files("b-blobs");
    assertThatThrownBy(() -> open("a.db", "b-blobs"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("Cannot open store: catalog " + dir.resolve("a.db"))
        .hasMessageContaining("belongs to store " + idA)
        .hasMessageContaining("belong to store " + idB)
        .hasMessageEndingWith("(check --catalog and --blobs)");
    assertThat(files("b-blobs")).isEqualTo(before);
    assertThat(identityFile("b-blobs")).isEqualTo(idB);
    // B is whole: nothing of it was swept through A's catalog
    try (ModelStash b = open("b.db", "b-blobs")) {
      assertThat(b.verify(Optional.empty(), true).ok()).isTrue();
    }
  }

  @Test
  void aNewCatalogCannotTakeOverAnExistingStoresBlobs() throws IOException {
    try (ModelStash b = open("b.db", "b-blobs")) {
      b.put(PATH, version(2), PutOptions.none());
    }
    long before = files("b-blobs");
    // without the binding, gc through the new, empty catalog would sweep all of B's objects
    assertThatThrownBy(() -> open("new.db", "b-blobs"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("the blobs in " + dir.resolve("b-blobs"))
        .hasMessageContaining("whose catalog is not catalog " + dir.resolve("new.db"));
    assertThat(files("b-blobs")).isEqualTo(before);
    assertThat(sql("new.db", "SELECT id FROM store_identity")).isEmpty();
  }

  /** Makes a store look as one written before identities were recorded. */
  private void forget(String catalog, String blobs) throws IOException {
    sql(catalog, "DELETE FROM store_identity");
    Files.delete(dir.resolve(blobs).resolve(BlobStore.IDENTITY_NAME));
  }

  @Test
  void aStoreFromBeforeIdentitiesIsBoundWhenOpened() throws IOException {
    Path file = version(1);
    try (ModelStash s = open("a.db", "a-blobs")) {
      s.put(PATH, file, PutOptions.none());
    }
    forget("a.db", "a-blobs");
    try (ModelStash s = open("a.db", "a-blobs")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      s.get(Ref.version(PATH, 1), out);
      assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(file));
    }
    assertThat(identityFile("a-blobs"))
        .isEqualTo(sql("a.db", "SELECT id FROM store_identity").get(0));
  }

  @Test
  void storesFromBeforeIdentitiesAreNotBoundToEachOther() throws IOException {
    try (ModelStash a = open("a.db", "a-blobs");
        ModelStash b = open("b.db", "b-blobs")) {
      a.put(PATH, version(1), PutOptions.none());
      b.put(PATH, version(2), PutOptions.none());
    }
    forget("a.db", "a-blobs");
    forget("b.db", "b-blobs");
    assertThatThrownBy(() -> open("a.db", "b-blobs"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("do not go together: the manifest of team/run/model@1 is not in")
        .hasMessageEndingWith("(check --blobs)");
    assertThatThrownBy(() -> open("empty.db", "b-blobs"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("the catalog has no versions, but the blobs hold manifests")
        .hasMessageEndingWith("(use an empty folder or bucket for a new store)");
    // neither was claimed by the refused opens
    assertThat(sql("a.db", "SELECT id FROM store_identity")).isEmpty();
    assertThat(dir.resolve("b-blobs").resolve(BlobStore.IDENTITY_NAME)).doesNotExist();
  }

  @Test
  void blobsThatLostTheirIdentityGetItBackFromTheirCatalog() throws IOException {
    try (ModelStash s = open("a.db", "a-blobs")) {
      s.put(PATH, version(1), PutOptions.none());
    }
    String id = identityFile("a-blobs");
    // as after a crash between recording the identity in the catalog and in the blobs
    Files.delete(dir.resolve("a-blobs").resolve(BlobStore.IDENTITY_NAME));
    try (ModelStash s = open("a.db", "a-blobs")) {
      s.gc(new GcOptions(Optional.empty(), RetentionPolicy.none(), Duration.ZERO, false));
      assertThat(s.verify(Optional.empty(), true).ok()).isTrue();
    }
    assertThat(identityFile("a-blobs")).isEqualTo(id);
  }
}
