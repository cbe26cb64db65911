package io.modelstash.store;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.catalog.Notices;
import io.modelstash.store.catalog.jdbc.SchemaMigrator;
import io.modelstash.store.chunk.ChunkFormat;
import io.modelstash.store.lifecycle.GcOptions;
import io.modelstash.store.lifecycle.RetentionPolicy;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store written by an older modelstash (catalog schema 2, chunk digests as hex text; see the
 * fixture's README) opens with the current code, which upgrades its catalog, and everything in it
 * stays as it was: versions restore byte-exact, deltas keep their bases, aliases and gc tombstones
 * survive, and new versions go in.
 */
class StoreUpgradeTest {
  private static final ModelPath WEIGHTS = ModelPath.parse("fixture/weights");
  private static final String W1_SHA =
      "43993d6e2ce65e8a40e97aca6b59a8c78ef38757c9b7b1a5ea6eb93e1c4f81ea";
  private static final String W2_SHA =
      "b1e8917bd944ce6424de89681cf3c45469eac6bb415604c61e5f2f22f79bb7f9";
  private static final String W2_CHUNK =
      "2ad9afe49377644044c84be0e1cd13938f1192a5cea21d2755c0b79e01006348";
  private static final String W1_CHUNK =
      "0761eb82b0c553756505e566389fe73b03be68dee7c5a04afb276eacd0e37f00";

  @TempDir Path dir;
  Path store;

  @BeforeEach
  void copyFixture() throws IOException, URISyntaxException {
    Path fixture =
        Path.of(
            StoreUpgradeTest.class.getResource("/io/modelstash/store/catalog/v2-store").toURI());
    store = dir.resolve("store");
    try (Stream<Path> files = Files.walk(fixture)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path to = store.resolve(fixture.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    assertThat(sql("SELECT version FROM schema_version")).containsExactly("2");
    assertThat(sql("SELECT typeof(digest) FROM chunks GROUP BY 1")).containsExactly("text");
  }

  private List<String> sql(String query) {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.resolve("catalog.db"));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(query)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
    return out;
  }

  @Test
  void restoresEveryVersionByteExactAfterTheUpgrade() throws IOException {
    try (ModelStash stash = ModelStash.open(store)) {
      Path out1 = dir.resolve("w1.safetensors");
      Path out2 = dir.resolve("w2.safetensors");
      stash.get(Ref.parse("fixture/weights@first"), out1);
      stash.get(Ref.version(WEIGHTS, 2), out2);
      assertThat(Digest.of(Files.readAllBytes(out1)).hex()).isEqualTo(W1_SHA);
      assertThat(Digest.of(Files.readAllBytes(out2)).hex()).isEqualTo(W2_SHA);

      List<ModelStash.ChunkUse> chunks = stash.chunks(stash.resolve(Ref.version(WEIGHTS, 2)));
      ModelStash.ChunkUse w =
          chunks.stream().filter(c -> c.segment().equals("w")).findFirst().get();
      assertThat(w.id().hex()).isEqualTo(W2_CHUNK);
      assertThat(w.codec()).isEqualTo(ChunkFormat.CODEC_SUBTRACT_DELTA);
      assertThat(w.base().map(Digest::hex)).contains(W1_CHUNK);
      assertThat(stash.verify(Optional.empty(), true).ok()).isTrue();
    }
    assertThat(sql("SELECT version FROM schema_version"))
        .containsExactly(String.valueOf(SchemaMigrator.LATEST));
    assertThat(sql("SELECT typeof(digest) FROM chunks GROUP BY 1")).containsExactly("blob");
    assertThat(sql("SELECT lower(hex(base_digest)) FROM chunks WHERE base_digest IS NOT NULL"))
        .containsExactly(W1_CHUNK);
    // the two chunks of the removed fixture/gone@1 are still tombstones of the fixture's gc
    assertThat(sql("SELECT swept_by FROM chunks WHERE swept_by IS NOT NULL"))
        .containsExactly("1", "1");
  }

  @Test
  void saysOnceThatTheCatalogIsBeingUpgraded() throws IOException {
    List<String> notices = new ArrayList<>();
    Notices.Scope listening = Notices.to(notices::add);
    try {
      try (ModelStash stash = ModelStash.open(store)) {
        assertThat(stash.log(WEIGHTS)).hasSize(2);
      }
      assertThat(notices)
          .singleElement(as(InstanceOfAssertFactories.STRING))
          .contains("upgrading catalog", "from schema 2 to " + SchemaMigrator.LATEST);
      try (ModelStash stash = ModelStash.open(store)) {
        assertThat(stash.log(WEIGHTS)).hasSize(2);
      }
      try (ModelStash fresh = ModelStash.open(dir.resolve("fresh"))) {
        assertThat(fresh.list(Optional.empty())).isEmpty();
      }
    } finally {
      listening.close();
    }
    // an up-to-date catalog and a new one open without a word
    assertThat(notices).hasSize(1);
  }

  @Test
  void takesNewVersionsAndCollectsGarbageAfterTheUpgrade() throws IOException {
    DeltaStoreTest.Weights next = new DeltaStoreTest.Weights(3);
    Path file = next.save(dir.resolve("next.safetensors"));
    List<String> newChunks = new ArrayList<>();
    try (ModelStash stash = ModelStash.open(store)) {
      assertThat(stash.put(WEIGHTS, file, PutOptions.none()).id().number()).isEqualTo(3);
      for (ModelStash.ChunkUse c : stash.chunks(stash.resolve(Ref.version(WEIGHTS, 3)))) {
        newChunks.add(c.id().hex());
      }
      stash.remove(Ref.version(WEIGHTS, 3), false);
      stash.gc(new GcOptions(Optional.empty(), RetentionPolicy.none(), Duration.ZERO, false));
      assertThat(stash.log(WEIGHTS)).hasSize(2);
      assertThat(stash.verify(Optional.empty(), true).ok()).isTrue();
      Path out = dir.resolve("again.safetensors");
      stash.get(Ref.version(WEIGHTS, 2), out);
      assertThat(Digest.of(Files.readAllBytes(out)).hex()).isEqualTo(W2_SHA);
    }
    // the new version's chunks were written and then swept as rows keyed by their 32 bytes
    assertThat(newChunks).isNotEmpty();
    assertThat(sql("SELECT DISTINCT typeof(digest) FROM chunks")).containsExactly("blob");
    assertThat(sql("SELECT lower(hex(digest)) FROM chunks WHERE swept_by = 2"))
        .containsExactlyInAnyOrderElementsOf(newChunks);
  }
}
