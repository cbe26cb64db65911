package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chunk objects written by earlier code (format versions 1 to 3, codecs 0 to 5; see {@link
 * GoldenChunks}) still decode to the bytes they name.
 */
class GoldenChunkTest {

  record Golden(String name, int codecId, Digest id, int version) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = GoldenChunkTest.class.getResourceAsStream("golden/" + name)) {
      assertThat(in).as("resource golden/%s", name).isNotNull();
      return in.readAllBytes();
    }
  }

  static List<Golden> goldens() throws IOException {
    List<Golden> out = new ArrayList<>();
    String index = new String(resource("index.txt"), StandardCharsets.UTF_8);
    for (String line : index.lines().collect(Collectors.toList())) {
      String[] f = line.split(" ");
      // lines of version 1 have no version column
      int version = f.length > 3 ? Integer.parseInt(f[3]) : 1;
      out.add(new Golden(f[0], Integer.parseInt(f[1]), Digest.parse(f[2]), version));
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldens")
  void decodes(Golden g) throws IOException {
    byte[] object = resource(g.name() + ".msck");
    ChunkHeader h = ChunkDecoder.standard().header(object, g.id());
    assertThat(h.version()).isEqualTo(g.version());
    assertThat(h.codecId()).isEqualTo(g.codecId());
    byte[] raw =
        ChunkDecoder.standard()
            .decode(
                object,
                g.id(),
                d -> {
                  byte[] base = resource(g.name() + ".base");
                  assertThat(Digest.of(base)).isEqualTo(d);
                  return base;
                });
    assertThat(Digest.of(raw)).isEqualTo(g.id());
  }

  @Test
  void everyFormatVersionIsCoveredAndVersionTwoHasRansStreams() throws IOException {
    assertThat(goldens().stream().map(Golden::version).distinct().sorted())
        .containsExactly(1, 2, 3, 4);
    boolean rans = false;
    for (Golden g : goldens()) {
      if (g.version() == 2 && g.codecId() >= ChunkFormat.CODEC_BYTE_GROUPING) {
        byte[] object = resource(g.name() + ".msck");
        ChunkHeader h = ChunkDecoder.standard().header(object, g.id());
        byte[] payload =
            java.util.Arrays.copyOfRange(
                object, h.payloadOffset(), h.payloadOffset() + h.encodedLength());
        GroupedPayload.Layout l = GroupedPayload.parse(payload, h.rawLength());
        for (int m : l.methods) {
          rans |= m == GroupedPayload.RANS;
        }
      }
    }
    assertThat(rans).as("a version 2 golden object uses a rANS stream").isTrue();
    boolean context = false;
    for (Golden g : goldens()) {
      if (g.version() == 4 && g.codecId() == ChunkFormat.CODEC_BYTE_GROUPING) {
        byte[] object = resource(g.name() + ".msck");
        ChunkHeader h = ChunkDecoder.standard().header(object, g.id());
        byte[] payload =
            java.util.Arrays.copyOfRange(
                object, h.payloadOffset(), h.payloadOffset() + h.encodedLength());
        for (int m : GroupedPayload.parse(payload, h.rawLength()).methods) {
          context |= m == GroupedPayload.CONTEXT_RANS;
        }
      }
    }
    assertThat(context).as("a version 4 golden object uses a context stream").isTrue();
  }

  @Test
  void everyCodecIsCovered() throws IOException {
    assertThat(goldens().stream().map(Golden::codecId).distinct().sorted())
        .containsExactly(0, 1, 2, 3, 4, 5, 6);
  }
}
