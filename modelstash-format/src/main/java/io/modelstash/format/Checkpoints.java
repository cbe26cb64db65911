package io.modelstash.format;

import io.modelstash.format.gzip.GzipMember;
import io.modelstash.format.safetensors.SafetensorsFile;
import io.modelstash.format.safetensors.SafetensorsTensor;
import io.modelstash.format.torch.TorchFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Entry point of the format library: reads any supported checkpoint file into named tensors, or
 * decomposes it into segments for storage. Supported: the PyTorch zip format (1.6+), the legacy
 * pickle stream, either wrapped in gzip, and safetensors. Nothing in a file is ever executed.
 */
public final class Checkpoints {
  /** Decomposition format of a file this library does not understand: one opaque segment. */
  public static final String RAW = "raw";

  /** Largest inflated size accepted for a gzip-wrapped checkpoint. */
  public static final long MAX_GUNZIPPED_BYTES = 1L << 40;

  private Checkpoints() {}

  /** Reads a checkpoint, detecting its format from its bytes. */
  public static Checkpoint read(ByteSource src) throws IOException {
    return read(src, null);
  }

  /**
   * Reads a checkpoint; a gzip-wrapped file larger than 64 MiB inflated is spilled to a temporary
   * file in {@code spillDir} (the system default when null), deleted when the checkpoint closes.
   */
  public static Checkpoint read(ByteSource src, Path spillDir) throws IOException {
    FileKind kind = FileKind.detect(src);
    switch (kind) {
      case ZIP:
        return TorchFiles.readZip(src);
      case TORCH_LEGACY:
        return TorchFiles.readLegacy(src);
      case SAFETENSORS:
        return readSafetensors(src);
      case GZIP:
        return readGzip(src, spillDir);
      default:
        throw refuse(kind, src.size());
    }
  }

  private static FormatException refuse(FileKind kind, long size) {
    if (size == 0) {
      return new FormatException("Cannot read checkpoint: the file is empty");
    }
    if (kind == FileKind.TAR) {
      return new FormatException(
          "Cannot read checkpoint: this is the tar format of PyTorch 0.3 or older, which"
              + " torch.load refuses with weights_only (re-save it with a current torch.save)");
    }
    return new FormatException(
        "Cannot read checkpoint: unknown file format (not a PyTorch zip or legacy file,"
            + " safetensors, or either of them gzipped)");
  }

  private static Checkpoint readGzip(ByteSource src, Path spillDir) throws IOException {
    GzipMember.Inflated inflated = GzipMember.inflate(src, MAX_GUNZIPPED_BYTES, spillDir);
    boolean ok = false;
    try {
      ByteSource inner = inflated.content();
      FileKind kind = FileKind.detect(inner);
      Checkpoint c;
      if (kind == FileKind.ZIP) {
        c = TorchFiles.readZip(inner);
      } else if (kind == FileKind.TORCH_LEGACY) {
        c = TorchFiles.readLegacy(inner);
      } else {
        throw new FormatException(
            "Cannot read checkpoint: the gzip file does not hold a PyTorch checkpoint");
      }
      ok = true;
      return new Checkpoint(
          "gzip+" + c.format(), c.root().orElse(null), c.tensors(), c.metadata(), inflated);
    } finally {
      if (!ok) {
        inflated.close();
      }
    }
  }

  private static Checkpoint readSafetensors(ByteSource src) throws IOException {
    SafetensorsFile file = SafetensorsFile.read(src);
    List<Tensor> tensors = new ArrayList<>();
    for (SafetensorsTensor t : file.tensors()) {
      long length = t.end() - t.begin();
      Storage storage =
          new Storage(
              t.name(), t.dtype(), length, src.slice(file.dataStart() + t.begin(), length), false);
      long[] shape = t.shape();
      tensors.add(
          new Tensor(
              t.name(),
              t.dtype(),
              shape,
              Tensor.contiguousStrides(shape),
              0,
              storage,
              false,
              false,
              false));
    }
    return new Checkpoint("safetensors", null, tensors, file.metadata(), null);
  }

  /**
   * Decomposes a file into opaque and payload segments whose concatenation is the file. Files of
   * unknown kind give one opaque segment with format {@link #RAW}; a gzip file whose deflate stream
   * cannot be reproduced exactly stays one opaque segment with format {@code gzip}.
   *
   * @throws FormatException when a file of a known kind is malformed; callers that must store it
   *     anyway fall back to {@link Decomposition#opaque}
   */
  public static Decomposition decompose(ByteSource src) throws IOException {
    return decompose(src, null);
  }

  public static Decomposition decompose(ByteSource src, Path spillDir) throws IOException {
    FileKind kind = FileKind.detect(src);
    switch (kind) {
      case ZIP:
        return TorchFiles.decomposeZip(src);
      case TORCH_LEGACY:
        return TorchFiles.decomposeLegacy(src);
      case SAFETENSORS:
        return decomposeSafetensors(src);
      case GZIP:
        return decomposeGzip(src, spillDir);
      default:
        return Decomposition.opaque(RAW, src);
    }
  }

  private static Decomposition decomposeSafetensors(ByteSource src) throws IOException {
    SafetensorsFile file = SafetensorsFile.read(src);
    List<Segment.Payload> payloads = new ArrayList<>();
    for (SafetensorsTensor t : file.tensors()) {
      payloads.add(
          new Segment.Payload(
              file.dataStart() + t.begin(), t.end() - t.begin(), t.name(), t.dtype()));
    }
    payloads.sort(Comparator.comparingLong(Segment::offset));
    return Decomposition.withPayloads("safetensors", src, payloads);
  }

  private static Decomposition decomposeGzip(ByteSource src, Path spillDir) throws IOException {
    GzipMember.Inflated inflated = GzipMember.inflate(src, MAX_GUNZIPPED_BYTES, spillDir);
    boolean ok = false;
    try {
      if (!inflated.singleMember()) {
        return Decomposition.opaque("gzip", src);
      }
      long header = inflated.headerLength();
      long stream = inflated.deflateLength();
      Optional<GzipMember.DeflateParams> params =
          GzipMember.findParams(src.slice(header, stream), inflated.content());
      if (params.isEmpty()) {
        return Decomposition.opaque("gzip", src);
      }
      Decomposition inner;
      try {
        inner = decompose(inflated.content(), spillDir);
      } catch (FormatException e) {
        inner = Decomposition.opaque(RAW, inflated.content());
      }
      Decomposition innerOwned =
          new Decomposition(inner.format(), inner.source(), inner.segments(), inflated);
      List<Segment> segments =
          List.of(
              new Segment.Opaque(0, header),
              new Segment.Deflated(
                  header, stream, params.get().level(), params.get().flushPoints(), innerOwned),
              new Segment.Opaque(header + stream, src.size() - header - stream));
      ok = true;
      return new Decomposition("gzip+" + inner.format(), src, segments, null);
    } finally {
      if (!ok) {
        inflated.close();
      }
    }
  }
}
