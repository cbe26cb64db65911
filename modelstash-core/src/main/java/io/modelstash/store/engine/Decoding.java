package io.modelstash.store.engine;

import io.modelstash.store.manifest.Manifest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;

/**
 * A chunk being read and decoded in the background: its object is read on the I/O threads and
 * decoded (SHA-256 checked) on the compute pool, so that reads from a cold disk or a remote store
 * overlap each other and the decoding. What readers that run ahead of their consumer hold.
 */
public final class Decoding {
  private final CompletableFuture<byte[]> bytes;

  private Decoding(CompletableFuture<byte[]> bytes) {
    this.bytes = bytes;
  }

  static Decoding start(
      ChunkReader reader, Manifest.ChunkRef ref, ExecutorService io, ExecutorService pool) {
    return new Decoding(
        CompletableFuture.supplyAsync(() -> unchecked(() -> reader.fetch(ref)), io)
            .thenApplyAsync(object -> unchecked(() -> reader.decode(ref, object)), pool));
  }

  /** {@code call} on {@code pool}: a chunk read and decoded in one task. */
  static Decoding run(IoCall call, ExecutorService pool) {
    return new Decoding(CompletableFuture.supplyAsync(() -> unchecked(call), pool));
  }

  /** The decoded bytes, waiting for them; the array may be shared and must not be modified. */
  public byte[] get() throws IOException {
    try {
      return bytes.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading chunks");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof UncheckedIOException) {
        c = c.getCause();
      }
      if (c instanceof IOException) {
        throw (IOException) c;
      }
      throw new IOException(c);
    }
  }

  /** Drops the result: a decode not yet started does not run. */
  public void cancel() {
    bytes.cancel(true);
  }

  interface IoCall {
    byte[] call() throws IOException;
  }

  private static byte[] unchecked(IoCall c) {
    try {
      return c.call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
