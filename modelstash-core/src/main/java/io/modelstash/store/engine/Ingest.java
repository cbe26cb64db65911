package io.modelstash.store.engine;

import io.modelstash.format.ByteSource;
import io.modelstash.format.Decomposition;
import io.modelstash.format.Segment;
import io.modelstash.store.chunk.Chunker;
import io.modelstash.store.chunk.ElementType;
import io.modelstash.store.chunk.FixedSizeChunker;
import io.modelstash.store.chunk.Span;
import io.modelstash.store.manifest.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a {@link Decomposition} into a manifest {@link Manifest.Layout}, handing every chunk to a
 * {@link ChunkWriter}. Opaque segments of a level are chunked together as one content-defined
 * stream; payloads are split into fixed, element-aligned chunks, so an unchanged tensor gives the
 * same chunks whichever file or version it appears in. Payloads too small to be worth their own
 * chunk travel with the opaque stream. Each chunk is offered the base version's matching chunk as a
 * delta base: the same tensor's chunk at the same position, or for an opaque chunk the opaque chunk
 * at the same position of the same level.
 */
final class Ingest {
  /** Payloads below this size are stored as opaque bytes. */
  static final long SMALL_PAYLOAD = 16 << 10;

  private final ChunkWriter writer;
  private final Map<String, String> tensorOfKey;
  private final BaseIndex base;
  private final Chunker opaqueChunker = Chunker.contentDefined();

  /** Levels seen so far, numbered depth-first as {@link BaseIndex} numbers them. */
  private int levels;

  /**
   * @param tensorOfKey storage key → name of the first tensor viewing it (empty if unknown)
   */
  Ingest(ChunkWriter writer, Map<String, String> tensorOfKey, BaseIndex base) {
    this.writer = writer;
    this.tensorOfKey = tensorOfKey;
    this.base = base;
  }

  Manifest.Layout layout(Decomposition d) throws IOException {
    int level = levels++;
    List<Manifest.Segment> segments = new ArrayList<>();
    List<InputStream> opaqueParts = new ArrayList<>();
    ByteSource src = d.source();
    for (Segment s : d.segments()) {
      if (s instanceof Segment.Payload && s.length() >= SMALL_PAYLOAD) {
        Segment.Payload p = (Segment.Payload) s;
        Optional<String> tensor = Optional.ofNullable(tensorOfKey.get(p.key()));
        String dtype = p.dtype().torchName();
        Optional<List<Manifest.ChunkRef>> baseChunks =
            base.chunks(BaseIndex.identity(tensor, p.key(), dtype, p.length()));
        segments.add(
            new Manifest.Payload(
                p.length(), p.key(), tensor, dtype, payloadChunks(src, p, baseChunks)));
      } else if (s instanceof Segment.Deflated) {
        Segment.Deflated df = (Segment.Deflated) s;
        segments.add(
            new Manifest.Deflated(df.length(), df.level(), df.flushPoints(), layout(df.inner())));
      } else {
        appendOpaque(segments, s.length());
        opaqueParts.add(src.openStream(s.offset(), s.length()));
      }
    }
    List<Manifest.ChunkRef> opaque = new ArrayList<>();
    try (InputStream in = new SequenceInputStream(Collections.enumeration(opaqueParts))) {
      opaqueChunker.split(
          in,
          chunk -> {
            Optional<Manifest.ChunkRef> baseChunk = base.opaqueChunk(level, opaque.size());
            opaque.add(
                new Manifest.ChunkRef(
                    writer.submit(chunk, ElementType.OPAQUE, baseChunk), chunk.length));
          });
    }
    return new Manifest.Layout(d.format(), segments, opaque);
  }

  /** Merges neighbouring opaque segments, which the manifest need not tell apart. */
  private static void appendOpaque(List<Manifest.Segment> segments, long length) {
    int last = segments.size() - 1;
    if (last >= 0 && segments.get(last) instanceof Manifest.Opaque) {
      segments.set(last, new Manifest.Opaque(segments.get(last).length() + length));
    } else {
      segments.add(new Manifest.Opaque(length));
    }
  }

  private List<Manifest.ChunkRef> payloadChunks(
      ByteSource src, Segment.Payload p, Optional<List<Manifest.ChunkRef>> baseChunks)
      throws IOException {
    FixedSizeChunker chunker = Chunker.fixedSize(p.dtype().elementSize());
    ElementType type = ElementType.of(p.dtype());
    List<Span> spans = chunker.spans(p.length());
    List<Manifest.ChunkRef> refs = new ArrayList<>(spans.size());
    for (int i = 0; i < spans.size(); i++) {
      Span span = spans.get(i);
      byte[] raw = new byte[span.length()];
      src.readFully(p.offset() + span.offset(), ByteBuffer.wrap(raw));
      int index = i;
      Optional<Manifest.ChunkRef> baseChunk =
          baseChunks.filter(b -> b.size() == spans.size()).map(b -> b.get(index));
      refs.add(new Manifest.ChunkRef(writer.submit(raw, type, baseChunk), raw.length));
    }
    return refs;
  }
}
