package io.modelstash.store.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBlobStoreTest extends BlobStoreContract {

  @TempDir Path dir;

  @Override
  protected BlobStore newStore() throws IOException {
    return LocalBlobStore.open(dir.resolve("store"));
  }

  private LocalBlobStore local() {
    return (LocalBlobStore) store();
  }

  private List<Path> files() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Override
  protected void assertNoLeftovers() throws IOException {
    assertThat(files())
        .allSatisfy(p -> assertThat(p.getFileName().toString()).matches("[0-9a-f]{64}"));
  }

  @Test
  void usesTheDocumentedLayout() throws IOException {
    Digest d = id("layout");
    store().put(BlobKind.CHUNK, d, bytes("x"));
    store().put(BlobKind.MANIFEST, d, bytes("y"));
    Path root = dir.resolve("store");
    String fan = d.hex().substring(0, 2);
    assertThat(root.resolve("chunks").resolve(fan).resolve(d.hex())).hasContent("x");
    assertThat(root.resolve("manifests").resolve(fan).resolve(d.hex())).hasContent("y");
    assertThat(local().pathOf(BlobKind.CHUNK, d))
        .isEqualTo(root.resolve("chunks/" + fan + "/" + d));
  }

  @Test
  void diskFullDuringPutLeavesNoFileAtAll() throws IOException {
    FaultInjectingBlobStore faulty = new FaultInjectingBlobStore(store());
    byte[] data = random(200_000, 5);
    faulty.failNextPutAfter(65_536);
    assertThatThrownBy(() -> faulty.put(BlobKind.MANIFEST, Digest.of(data), data))
        .hasMessageContaining("No space left");
    assertThat(files()).isEmpty();
  }

  @Test
  void ignoresAndCleansTemporariesFromCrashedPuts() throws IOException {
    Digest d = id("crashed");
    Path fan = dir.resolve("store/chunks").resolve(d.hex().substring(0, 2));
    Files.createDirectories(fan);
    Path old = Files.write(fan.resolve(".tmp-" + d.hex() + "-1"), bytes("partial"));
    Files.setLastModifiedTime(old, FileTime.from(Instant.now().minusSeconds(7200)));
    Path fresh = Files.write(fan.resolve(".tmp-" + d.hex() + "-2"), bytes("in flight"));
    Files.write(fan.resolve("not-a-digest"), bytes("stray"));
    try (Stream<BlobInfo> s = store().list(BlobKind.CHUNK)) {
      assertThat(s).isEmpty();
    }
    assertThat(store().exists(BlobKind.CHUNK, d)).isFalse();
    assertThat(local().removeTemporaries(Instant.now().minusSeconds(3600))).isEqualTo(1);
    assertThat(old).doesNotExist();
    assertThat(fresh).exists();
  }

  @Test
  void reopeningSeesEarlierObjects() throws IOException {
    store().put(BlobKind.CHUNK, id("keep"), bytes("kept"));
    try (BlobStore again = LocalBlobStore.open(dir.resolve("store"))) {
      assertThat(again.get(BlobKind.CHUNK, id("keep"))).isEqualTo(bytes("kept"));
    }
  }
}
