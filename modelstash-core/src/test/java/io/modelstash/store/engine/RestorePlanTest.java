package io.modelstash.store.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The order a restore decodes chunks in is the order its writer takes them, across segments. */
class RestorePlanTest {

  private static Manifest.ChunkRef chunk(String name, int length) {
    return new Manifest.ChunkRef(Digest.of(name.getBytes(StandardCharsets.UTF_8)), length);
  }

  private static Manifest.Payload payload(long length, Manifest.ChunkRef... chunks) {
    return new Manifest.Payload(length, "k", Optional.empty(), "float32", List.of(chunks));
  }

  @Test
  void opaqueChunksAreTakenWhenTheBytesBetweenTensorsReachThem() throws IOException {
    Manifest.ChunkRef o1 = chunk("o1", 10);
    Manifest.ChunkRef o2 = chunk("o2", 10);
    Manifest.ChunkRef o3 = chunk("o3", 10);
    Manifest.ChunkRef p1 = chunk("p1", 8);
    Manifest.ChunkRef p2a = chunk("p2a", 4);
    Manifest.ChunkRef p2b = chunk("p2b", 4);
    Manifest.ChunkRef i1 = chunk("i1", 6);
    Manifest.ChunkRef ip = chunk("ip", 4);
    Manifest.Layout inner =
        new Manifest.Layout("raw", List.of(new Manifest.Opaque(6), payload(4, ip)), List.of(i1));
    Manifest.Layout layout =
        new Manifest.Layout(
            "torch-zip",
            List.of(
                new Manifest.Opaque(5), // the first half of o1
                payload(8, p1),
                new Manifest.Opaque(5), // the rest of o1: nothing new
                payload(8, p2a, p2b),
                new Manifest.Opaque(12), // all of o2 and two bytes of o3
                new Manifest.Deflated(10, 6, new long[0], inner),
                new Manifest.Opaque(8)), // the rest of o3
            List.of(o1, o2, o3));

    List<Manifest.ChunkRef> order = new ArrayList<>();
    Restore.plan(layout, order);

    assertThat(order).containsExactly(o1, p1, p2a, p2b, o2, o3, i1, ip);
  }

  @Test
  void emptyChunksAreTakenWhereTheWriterPassesThem() throws IOException {
    Manifest.ChunkRef empty = chunk("empty", 0);
    Manifest.ChunkRef o1 = chunk("o1", 3);
    Manifest.Layout layout =
        new Manifest.Layout("raw", List.of(new Manifest.Opaque(3)), List.of(empty, o1));

    List<Manifest.ChunkRef> order = new ArrayList<>();
    Restore.plan(layout, order);

    assertThat(order).containsExactly(empty, o1);
  }
}
