package io.modelstash.store.lifecycle;

import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.PutResult;
import io.modelstash.store.blob.BlobInfo;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real training history: the five checkpoints of the quickstart series (PyTorch files whose
 * embedding never changes, so all five share its chunks) under {@code proj/run}, with their
 * metrics, and the final model under {@code proj/deploy}, which shares tensors with them too.
 */
final class History {
  static final ModelPath RUN = ModelPath.parse("proj/run");
  static final ModelPath DEPLOY = ModelPath.parse("proj/deploy");
  static final double[] VAL_LOSS = {1.377231, 1.368341, 1.36264, 1.359185, 1.358291};
  static final double[] VAL_ACC = {0.289062, 0.3125, 0.367188, 0.351562, 0.328125};

  private History() {}

  static Path file(String name) {
    return Path.of("..", "modelstash-cli", "src", "main", "resources", "quickstart", name);
  }

  /** Puts the series; returns the SHA-256 of each version's file. */
  static Map<VersionId, Digest> put(ModelStash stash) throws IOException {
    Map<VersionId, Digest> out = new LinkedHashMap<>();
    for (int i = 1; i <= 5; i++) {
      PutResult r =
          stash.put(
              RUN,
              file("checkpoint_epoch" + i + ".pt"),
              new PutOptions(
                  Map.of("epoch", "" + i),
                  Map.of("val_loss", VAL_LOSS[i - 1], "val_acc", VAL_ACC[i - 1]),
                  Optional.of("epoch " + i),
                  Optional.empty(),
                  Optional.empty()));
      out.put(r.id(), r.sha256());
    }
    PutResult best =
        stash.put(
            DEPLOY,
            file("model_best.pt"),
            new PutOptions(
                Map.of(),
                Map.of(),
                Optional.empty(),
                Optional.of(AliasName.of("prod")),
                Optional.empty()));
    out.put(best.id(), best.sha256());
    return out;
  }

  /** Restores a version and returns the SHA-256 of the bytes. */
  static Digest restore(ModelStash stash, VersionId id) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    stash.get(Ref.version(id.path(), id.number()), out);
    return Digest.of(out.toByteArray());
  }

  /** Every stored object and its size. */
  static Map<String, Long> objects(Path store) throws IOException {
    Map<String, Long> out = new HashMap<>();
    LocalBlobStore blobs = LocalBlobStore.open(store);
    for (BlobKind kind : BlobKind.values()) {
      try (Stream<BlobInfo> s = blobs.list(kind)) {
        s.forEach(b -> out.put(kind + "/" + b.id().hex(), b.size()));
      }
    }
    return out;
  }

  /** Sets a stored object's modification time {@code ago} in the past. */
  static void age(Path store, BlobKind kind, Digest id, java.time.Duration ago) throws IOException {
    Files.setLastModifiedTime(
        LocalBlobStore.open(store).pathOf(kind, id),
        java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(ago)));
  }
}
