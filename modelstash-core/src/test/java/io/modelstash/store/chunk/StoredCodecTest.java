package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoredCodecTest extends ChunkCodecContract {

  @Override
  protected ChunkCodec codec() {
    return StoredCodec.INSTANCE;
  }

  @Test
  void payloadIsTheRawBytes() {
    byte[] raw = random(100, 1);
    assertThat(codec().encode(raw)).isEqualTo(raw).isNotSameAs(raw);
    assertThat(codec().id()).isZero();
  }
}
