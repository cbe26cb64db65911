package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import io.modelstash.store.blob.CorruptObjectException;
import org.junit.jupiter.api.Test;

class ZstdCodecTest extends ChunkCodecContract {

  private static final ZstdCodec CODEC = new ZstdCodec();

  @Override
  protected ChunkCodec codec() {
    return CODEC;
  }

  @Test
  void compressesAndIsReadableByPlainZstd() throws CorruptObjectException {
    byte[] raw = new byte[1 << 20];
    byte[] payload = CODEC.encode(raw);
    assertThat(payload.length).isLessThan(1000);
    assertThat(Zstd.decompress(payload, raw.length)).isEqualTo(raw);
    assertThat(CODEC.id()).isEqualTo(1);
    assertThat(CODEC.level()).isEqualTo(3);
  }

  @Test
  void anyLevelDecodesWithAnyOther() throws CorruptObjectException {
    byte[] raw = floats(50_000, 9);
    byte[] strong = new ZstdCodec(19).encode(raw);
    assertThat(new ZstdCodec(1).decode(strong, raw.length)).isEqualTo(raw);
  }

  @Test
  void refusesUnsupportedLevels() {
    assertThatThrownBy(() -> new ZstdCodec(99))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid zstd level 99");
  }

  @Test
  void refusesAFrameLongerThanDeclared() {
    byte[] payload = CODEC.encode(new byte[10_000]);
    assertThatThrownBy(() -> CODEC.decode(payload, 100))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessageStartingWith("zstd payload");
  }
}
