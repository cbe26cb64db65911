package io.modelstash.store.name;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class DigestTest {

  private static final String ABC =
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  private static final String EMPTY =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void hashesKnownVectors() {
    assertThat(Digest.of("abc".getBytes(US_ASCII))).hasToString(ABC);
    assertThat(Digest.of(new byte[0]).hex()).isEqualTo(EMPTY);
  }

  @Test
  void streamingHasherMatchesOneShot() throws Exception {
    byte[] data = new byte[200_000];
    new java.util.Random(1).nextBytes(data);
    Digest.Hasher h = Digest.hasher();
    h.update(data, 0, 1000)
        .update(ByteBuffer.wrap(data, 1000, 99_000))
        .update(data, 100_000, 100_000);
    assertThat(h.count()).isEqualTo(200_000);
    assertThat(h.finish()).isEqualTo(Digest.of(data));
    assertThat(h.finish()).isEqualTo(Digest.of(new byte[0]));
    assertThat(Digest.of(new ByteArrayInputStream(data))).isEqualTo(Digest.of(data));
  }

  @Test
  void parsesOnlyLowercaseHexOfLength64() {
    assertThat(Digest.parse(ABC)).isEqualTo(Digest.of("abc".getBytes(US_ASCII)));
    assertThatThrownBy(() -> Digest.parse(ABC.toUpperCase()))
        .isInstanceOf(InvalidNameException.class)
        .hasMessageContaining("character 1 is 'B', expected a lowercase hex digit");
    assertThatThrownBy(() -> Digest.parse(ABC + "0")).hasMessageContaining("65 characters");
    assertThatThrownBy(() -> Digest.parse(" " + ABC.substring(1)))
        .isInstanceOf(InvalidNameException.class);
    assertThatThrownBy(() -> Digest.parse("sha256:" + ABC))
        .isInstanceOf(InvalidNameException.class);
    assertThat(Digest.isValid(ABC)).isTrue();
    assertThat(Digest.isValid(ABC.toUpperCase())).isFalse();
  }

  @Test
  void bytesAreCopied() {
    Digest d = Digest.parse(ABC);
    byte[] b = d.toBytes();
    b[0] = 0;
    assertThat(d.hex()).isEqualTo(ABC);
    assertThat(Digest.fromBytes(d.toBytes())).isEqualTo(d);
  }

  @Property
  void parsesExactlyWhatItPrints(@ForAll byte[] data) {
    Digest d = Digest.of(data);
    assertThat(Digest.parse(d.toString())).isEqualTo(d);
    assertThat(d.toString()).matches("[0-9a-f]{64}");
  }

  @Property
  void ordersLikeItsHex(@ForAll byte[] a, @ForAll byte[] b) {
    Digest x = Digest.of(a);
    Digest y = Digest.of(b);
    assertThat(Integer.signum(x.compareTo(y)))
        .isEqualTo(Integer.signum(x.hex().compareTo(y.hex())));
  }
}
