package io.modelstash.store.engine;

import io.modelstash.format.DeflateWriter;
import io.modelstash.store.manifest.Manifest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Rebuilds a file from its manifest layout: chunks are fetched and decoded (each checked against
 * its SHA-256) on a thread pool, a bounded window ahead of the writer, and written in order;
 * deflate segments are re-deflated from their rebuilt inner bytes.
 */
final class Restore {
  private final ChunkReader reader;
  private final ExecutorService pool;
  private final int window;

  Restore(ChunkReader reader, ExecutorService pool, int window) {
    this.reader = reader;
    this.pool = pool;
    this.window = window;
  }

  void write(Manifest.Layout layout, OutputStream out) throws IOException {
    ChunkStream opaque = new ChunkStream(layout.opaqueChunks());
    for (Manifest.Segment s : layout.segments()) {
      if (s instanceof Manifest.Opaque) {
        opaque.copy(s.length(), out);
      } else if (s instanceof Manifest.Payload) {
        Manifest.Payload p = (Manifest.Payload) s;
        new ChunkStream(p.chunks()).copy(p.length(), out);
      } else {
        Manifest.Deflated d = (Manifest.Deflated) s;
        try (DeflateWriter w = new DeflateWriter(out, d.level(), d.flushPoints())) {
          write(d.inner(), w);
        }
      }
    }
  }

  /** Decoded chunks of a list, fetched ahead in parallel and consumed in order. */
  private final class ChunkStream {
    private final Iterator<Manifest.ChunkRef> refs;
    private final Deque<Future<byte[]>> ahead = new ArrayDeque<>();
    private byte[] current;
    private int position;

    ChunkStream(List<Manifest.ChunkRef> refs) {
      this.refs = refs.iterator();
    }

    private void fill() {
      while (ahead.size() < window && refs.hasNext()) {
        Manifest.ChunkRef ref = refs.next();
        ahead.add(pool.submit(() -> fetch(ref)));
      }
    }

    private byte[] fetch(Manifest.ChunkRef ref) throws IOException {
      return reader.read(ref);
    }

    void copy(long length, OutputStream out) throws IOException {
      long left = length;
      while (left > 0) {
        if (current == null || position == current.length) {
          fill();
          Future<byte[]> next = ahead.poll();
          if (next == null) {
            throw new io.modelstash.store.blob.CorruptObjectException(
                "Manifest is corrupt: its chunks end " + left + " bytes early");
          }
          current = await(next);
          position = 0;
          fill();
        }
        int n = (int) Math.min(left, current.length - position);
        out.write(current, position, n);
        position += n;
        left -= n;
      }
    }

    private byte[] await(Future<byte[]> f) throws IOException {
      try {
        return f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading chunks");
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof IOException) {
          throw (IOException) c;
        }
        throw new IOException(c);
      }
    }
  }
}
