package io.modelstash.format.torch;

import io.modelstash.format.ByteSource;
import io.modelstash.format.Checkpoint;
import io.modelstash.format.DType;
import io.modelstash.format.Decomposition;
import io.modelstash.format.FormatException;
import io.modelstash.format.Segment;
import io.modelstash.format.Tensor;
import io.modelstash.format.pickle.PickleScanner;
import io.modelstash.format.pickle.PyList;
import io.modelstash.format.pickle.ScannedStorage;
import io.modelstash.format.pickle.StorageRef;
import io.modelstash.format.pickle.WeightsOnlyUnpickler;
import io.modelstash.format.zip.ZipEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and decomposes {@code torch.save} files: the zip format (1.6+) and the legacy pickle stream
 * (0.4–1.5). Reading goes through the weights-only unpickler and refuses anything it would refuse;
 * decomposition only scans the pickle for storage types, so it also works for files whose pickle
 * names classes the allowlist refuses.
 */
public final class TorchFiles {
  public static final String ZIP_FORMAT = "torch-zip";
  public static final String LEGACY_FORMAT = "torch-legacy";

  private TorchFiles() {}

  /** Reads a zip-format checkpoint. */
  public static Checkpoint readZip(ByteSource src) throws IOException {
    TorchZip torch = TorchZip.open(src);
    torch.version();
    boolean big = torch.bigEndian();
    Object root = WeightsOnlyUnpickler.load(torch.pickle());
    List<Tensor> tensors = new TensorBuilder(torch::storage, big).build(TensorNames.collect(root));
    return new Checkpoint(ZIP_FORMAT, root, tensors, Map.of(), null);
  }

  /**
   * Splits a zip-format checkpoint into opaque bytes and storage payloads. Storage types come from
   * a scan of {@code data.pkl}; records the pickle does not mention, deflated records, and records
   * whose size does not fit their type stay opaque.
   */
  public static Decomposition decomposeZip(ByteSource src) throws IOException {
    TorchZip torch = TorchZip.open(src);
    List<Segment.Payload> payloads = new ArrayList<>();
    for (ScannedStorage s : PickleScanner.scan(torch.pickle())) {
      ZipEntry e = torch.find("data/" + s.key()).orElse(null);
      if (e == null || e.method() != 0 || e.size() == 0) {
        continue;
      }
      DType dtype = e.size() % s.dtype().elementSize() == 0 ? s.dtype() : DType.UINT8;
      payloads.add(new Segment.Payload(e.dataOffset(), e.size(), s.key(), dtype));
    }
    payloads.sort(Comparator.comparingLong(Segment::offset));
    return Decomposition.withPayloads(ZIP_FORMAT, src, payloads);
  }

  /** Reads a legacy-format checkpoint. */
  public static Checkpoint readLegacy(ByteSource src) throws IOException {
    LegacyLayout layout = LegacyLayout.parse(src);
    Object root = WeightsOnlyUnpickler.load(layout.mainPickle);
    List<TensorNames.Named> named = TensorNames.collect(root);
    Map<String, DType> types = new HashMap<>();
    for (TensorNames.Named n : named) {
      StorageRef ref = n.tensor().storage();
      if (ref != null) {
        types.putIfAbsent(ref.key(), ref.dtype());
      }
    }
    Map<String, long[]> ranges = layout.storageRanges(src, types);
    TensorBuilder.Records records =
        key -> {
          long[] r = ranges.get(key);
          if (r == null) {
            throw new FormatException(
                "Cannot read storage " + key + ": the file holds no data for this key");
          }
          return src.slice(r[0], r[1]);
        };
    List<Tensor> tensors = new TensorBuilder(records, false).build(named);
    return new Checkpoint(LEGACY_FORMAT, root, tensors, Map.of(), null);
  }

  /** Splits a legacy-format checkpoint into pickles, storage headers and storage payloads. */
  public static Decomposition decomposeLegacy(ByteSource src) throws IOException {
    LegacyLayout layout = LegacyLayout.parse(src);
    Map<String, DType> types = new HashMap<>();
    for (ScannedStorage s : PickleScanner.scan(layout.mainPickle)) {
      types.putIfAbsent(s.key(), s.dtype());
    }
    Map<String, long[]> ranges = layout.storageRanges(src, types);
    List<Segment.Payload> payloads = new ArrayList<>();
    for (Map.Entry<String, long[]> e : ranges.entrySet()) {
      long[] r = e.getValue();
      payloads.add(new Segment.Payload(r[0], r[1], e.getKey(), types.get(e.getKey())));
    }
    payloads.sort(Comparator.comparingLong(Segment::offset));
    return Decomposition.withPayloads(LEGACY_FORMAT, src, payloads);
  }

  /** Positions of the pickles and storage records in a legacy stream. */
  private static final class LegacyLayout {
    private static final long PROTOCOL_VERSION = 1001;

    byte[] mainPickle;
    List<String> keys;
    long dataStart;

    static LegacyLayout parse(ByteSource src) throws IOException {
      LegacyLayout l = new LegacyLayout();
      long limit = src.size();
      long magicEnd = PickleExtent.end(src, 0, limit);
      long protoEnd = PickleExtent.end(src, magicEnd, limit);
      Object proto = WeightsOnlyUnpickler.load(read(src, magicEnd, protoEnd));
      if (!(proto instanceof Long) || (Long) proto != PROTOCOL_VERSION) {
        throw new FormatException(
            "Cannot read legacy checkpoint: protocol version " + proto + " (expected 1001)");
      }
      long sysEnd = PickleExtent.end(src, protoEnd, limit);
      WeightsOnlyUnpickler.load(read(src, protoEnd, sysEnd));
      long mainEnd = PickleExtent.end(src, sysEnd, limit);
      l.mainPickle = read(src, sysEnd, mainEnd);
      long keysEnd = PickleExtent.end(src, mainEnd, limit);
      Object keys = WeightsOnlyUnpickler.load(read(src, mainEnd, keysEnd));
      if (!(keys instanceof PyList)) {
        throw new FormatException(
            "Cannot read legacy checkpoint: the storage key list is not a list");
      }
      l.keys = new ArrayList<>();
      for (Object k : (PyList) keys) {
        if (!(k instanceof String)) {
          throw new FormatException(
              "Cannot read legacy checkpoint: storage key list holds a non-string key");
        }
        l.keys.add((String) k);
      }
      l.dataStart = keysEnd;
      return l;
    }

    private static byte[] read(ByteSource src, long start, long end) throws IOException {
      if (end - start > TorchZip.MAX_PICKLE_BYTES) {
        throw new FormatException(
            "Cannot read legacy checkpoint: a pickle of " + (end - start) + " bytes is over 1 GiB");
      }
      return src.read(start, (int) (end - start));
    }

    /** key → {payload offset, payload length}; every listed key needs a known dtype. */
    Map<String, long[]> storageRanges(ByteSource src, Map<String, DType> types) throws IOException {
      Map<String, long[]> out = new HashMap<>();
      long pos = dataStart;
      for (String key : keys) {
        DType dtype = types.get(key);
        if (dtype == null) {
          throw new FormatException(
              "Cannot read legacy checkpoint: storage " + key + " is listed but never used");
        }
        if (out.containsKey(key)) {
          throw new FormatException(
              "Cannot read legacy checkpoint: storage " + key + " is listed twice");
        }
        long count = PickleExtent.readLongLe(src, pos);
        long length;
        try {
          length = Math.multiplyExact(count, (long) dtype.elementSize());
        } catch (ArithmeticException e) {
          throw new FormatException(
              "Cannot read legacy checkpoint: storage " + key + " size overflows", e);
        }
        if (count < 0 || length > src.size() - pos - 8) {
          throw new FormatException(
              "Cannot read legacy checkpoint: storage "
                  + key
                  + " claims "
                  + count
                  + " elements but the file ends first (truncated file?)");
        }
        out.put(key, new long[] {pos + 8, length});
        pos += 8 + length;
      }
      return out;
    }
  }
}
