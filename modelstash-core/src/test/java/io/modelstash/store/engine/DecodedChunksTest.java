package io.modelstash.store.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.name.Digest;
import org.junit.jupiter.api.Test;

/** The cache of decoded chunks: per store, within its budget, least recently used out first. */
class DecodedChunksTest {
  private static final byte[] A = {1, 2, 3, 4};
  private static final byte[] B = {5, 6, 7, 8};
  private static final byte[] C = {9, 9, 9, 9};

  @Test
  void storesSharingTheCacheSeeOnlyTheirOwnEntries() {
    DecodedChunks cache = new DecodedChunks(1 << 20);
    DecodedChunks.View one = new DecodedChunks.View(cache, "LocalBlobStore[/a]");
    DecodedChunks.View two = new DecodedChunks.View(cache, "LocalBlobStore[/b]");
    one.put(Digest.of(A), A);
    assertThat(one.get(Digest.of(A))).isSameAs(A);
    assertThat(two.get(Digest.of(A))).as("another store's copy is not this store's").isNull();
    assertThat(new DecodedChunks.View(cache, "LocalBlobStore[/a]").get(Digest.of(A)))
        .as("the same store opened again")
        .isSameAs(A);
  }

  @Test
  void theLeastRecentlyUsedEntryLeavesFirst() {
    DecodedChunks cache = new DecodedChunks(8);
    DecodedChunks.View s = new DecodedChunks.View(cache, "s");
    s.put(Digest.of(A), A);
    s.put(Digest.of(B), B);
    assertThat(s.get(Digest.of(A))).isSameAs(A); // A is now the more recent
    s.put(Digest.of(C), C);
    assertThat(s.get(Digest.of(B))).isNull();
    assertThat(s.get(Digest.of(A))).isSameAs(A);
    cache.clear();
    assertThat(s.get(Digest.of(A))).isNull();
  }
}
