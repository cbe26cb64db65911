package io.modelstash.store.blob;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the contract against a store that keeps {@link BlobStore}'s default ranged read (the wrapper
 * does not override it), so stores without their own seek get a correct one.
 */
class DefaultRangeReadTest extends BlobStoreContract {

  @TempDir Path dir;

  @Override
  protected BlobStore newStore() throws IOException {
    return new FaultInjectingBlobStore(LocalBlobStore.open(dir.resolve("store")));
  }
}
