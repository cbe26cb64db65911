package io.modelstash.store.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.PutResult;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.ForwardingBlobStore;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.Ref;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worst interleavings, forced: a gc sweep with no grace runs while a put sits between writing
 * its chunks and committing, and deletes chunks the put relies on. The put must notice at commit,
 * write them again, and end up with a version that restores exactly.
 */
class SweepDuringPutTest {
  @TempDir Path dir;

  /** A blob store that runs a hook (once) just before the next manifest is written. */
  private static final class BeforeManifest extends ForwardingBlobStore {
    private Runnable hook;

    BeforeManifest(BlobStore delegate) {
      super(delegate);
    }

    @Override
    public void put(BlobKind kind, Digest id, InputStream in, long length) throws IOException {
      if (kind == BlobKind.MANIFEST && hook != null) {
        Runnable h = hook;
        hook = null;
        h.run();
      }
      delegate.put(kind, id, in, length);
    }
  }

  /** Runs gc with no grace from a second catalog connection, as another process would. */
  private static Runnable sweep(Path store, List<GcReport> reports) {
    return () -> {
      try (Catalog other = SqliteCatalog.open(store.resolve("catalog.db"))) {
        TimeUnit.MILLISECONDS.sleep(20);
        reports.add(
            new GarbageCollector(other, LocalBlobStore.open(store), Clock.systemUTC())
                .run(
                    new GcOptions(Optional.empty(), RetentionPolicy.none(), Duration.ZERO, false)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    };
  }

  private ModelStash open(Path store, BeforeManifest blobs) throws IOException {
    return ModelStash.using(store, SqliteCatalog.open(store.resolve("catalog.db")), blobs);
  }

  @Test
  void chunksReusedFromARemovedVersionAreWrittenAgain() throws IOException {
    Path store = dir.resolve("store");
    ModelStash.open(store).close();
    BeforeManifest blobs = new BeforeManifest(LocalBlobStore.open(store));
    List<GcReport> reports = new ArrayList<>();
    try (ModelStash stash = open(store, blobs)) {
      PutResult first =
          stash.put(History.RUN, History.file("checkpoint_epoch1.pt"), PutOptions.none());
      stash.remove(first.id().toRef(), false);
      // the put finds every chunk recorded and stored, so it writes none of them
      blobs.hook = sweep(store, reports);
      PutResult again =
          stash.put(History.RUN, History.file("checkpoint_epoch1.pt"), PutOptions.none());
      assertThat(reports).hasSize(1);
      assertThat(reports.get(0).chunks())
          .as("the sweep removed the chunks the put reused")
          .isNotEmpty();
      assertThat(again.id().number()).isEqualTo(2);
      assertThat(History.restore(stash, again.id())).isEqualTo(first.sha256());
      assertThat(stash.verify(Optional.empty(), true).ok()).isTrue();
    }
  }

  @Test
  void chunksANewPutJustWroteAreWrittenAgain() throws IOException {
    Path store = dir.resolve("store");
    ModelStash.open(store).close();
    BeforeManifest blobs = new BeforeManifest(LocalBlobStore.open(store));
    List<GcReport> reports = new ArrayList<>();
    try (ModelStash stash = open(store, blobs)) {
      // no grace: the chunks the put has written but not committed look like a crashed put's
      blobs.hook = sweep(store, reports);
      PutResult r = stash.put(History.RUN, History.file("checkpoint_epoch2.pt"), PutOptions.none());
      assertThat(reports.get(0).chunks()).isNotEmpty();
      assertThat(History.restore(stash, r.id())).isEqualTo(r.sha256());
      assertThat(stash.resolve(Ref.latest(History.RUN)).id().number()).isEqualTo(1);
      assertThat(stash.verify(Optional.empty(), true).ok()).isTrue();
    }
  }
}
