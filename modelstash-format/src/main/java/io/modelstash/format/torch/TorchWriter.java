package io.modelstash.format.torch;

import io.modelstash.format.DType;
import io.modelstash.format.DataWriter;
import io.modelstash.format.FormatException;
import io.modelstash.format.Storage;
import io.modelstash.format.pickle.PickleWriter;
import io.modelstash.format.pickle.PyDict;
import io.modelstash.format.pickle.PyList;
import io.modelstash.format.pickle.PySet;
import io.modelstash.format.pickle.PyTuple;
import io.modelstash.format.pickle.QuantParams;
import io.modelstash.format.pickle.SparseTensorRef;
import io.modelstash.format.pickle.StorageRef;
import io.modelstash.format.pickle.TensorRef;
import io.modelstash.format.zip.ZipWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes PyTorch zip-format checkpoints that {@code torch.load(f, weights_only=True)} loads: a
 * protocol-2 {@code data.pkl}, storage records {@code data/0…N-1} numbered by first use and stored
 * little-endian, every record aligned to 64 bytes, zip64 where sizes or offsets need it — the
 * layout {@code torch.save} itself produces.
 */
public final class TorchWriter {
  /** The record prefix used for files not saved to a path, as torch.save does for buffers. */
  public static final String PREFIX = "archive";

  /** Supplies the bytes of the storage a key of the object tree names. */
  @FunctionalInterface
  public interface StorageSource {
    Storage storage(String key) throws IOException;
  }

  private TorchWriter() {}

  /**
   * Writes {@code root}, whose tensors name their storages by key in {@code storages}.
   *
   * @throws FormatException when the tree holds something the chosen compatibility level cannot
   *     express
   */
  public static void write(
      OutputStream out, Object root, StorageSource storages, PickleWriter.Compat compat)
      throws IOException {
    Renumbering renumbering = new Renumbering();
    Object renamed = renumbering.remap(root);
    byte[] pickle = PickleWriter.write(renamed, compat);
    try (ZipWriter zip = new ZipWriter(nonClosing(out), 64)) {
      zip.add(PREFIX + "/data.pkl", pickle);
      if (compat == PickleWriter.Compat.CURRENT) {
        zip.add(PREFIX + "/.format_version", ascii("1"));
        zip.add(PREFIX + "/.storage_alignment", ascii("64"));
      }
      zip.add(PREFIX + "/byteorder", ascii("little"));
      for (Map.Entry<String, String> e : renumbering.keys.entrySet()) {
        Storage s = storages.storage(e.getKey());
        DType unitType = renumbering.elementTypes.get(e.getKey());
        zip.add(PREFIX + "/data/" + e.getValue(), s.nbytes(), littleEndian(s, unitType));
      }
      zip.add(PREFIX + "/version", ascii("3\n"));
      zip.finish();
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Copies a storage, swapping each element (or complex component) if it is big-endian. */
  private static DataWriter littleEndian(Storage s, DType unitType) {
    int unit = unitType == null ? 1 : unitType.swapUnit();
    boolean swap = s.bigEndian() && unit > 1;
    return out -> {
      byte[] buf = new byte[Math.max(unit, (1 << 20) / unit * unit)];
      for (long done = 0; done < s.nbytes(); ) {
        int n = (int) Math.min(buf.length, s.nbytes() - done);
        s.data().readFully(done, ByteBuffer.wrap(buf, 0, n));
        if (swap) {
          for (int i = 0; i + unit <= n; i += unit) {
            for (int a = i, b = i + unit - 1; a < b; a++, b--) {
              byte t = buf[a];
              buf[a] = buf[b];
              buf[b] = t;
            }
          }
        }
        out.write(buf, 0, n);
        done += n;
      }
    };
  }

  private static OutputStream nonClosing(OutputStream out) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }
    };
  }

  /**
   * Copies the object tree with storage keys renumbered {@code 0, 1, …} by first use, keeping
   * shared objects shared.
   */
  private static final class Renumbering {
    final Map<String, String> keys = new LinkedHashMap<>();
    final Map<String, DType> elementTypes = new LinkedHashMap<>();
    private final Map<Object, Object> copies = new IdentityHashMap<>();

    Object remap(Object value) throws FormatException {
      if (value == null) {
        return null;
      }
      Object done = copies.get(value);
      if (done != null) {
        return done;
      }
      Object copy;
      if (value instanceof TensorRef) {
        copy = tensor((TensorRef) value);
      } else if (value instanceof PyDict) {
        PyDict d = (PyDict) value;
        PyDict c = new PyDict(d.kind());
        copies.put(value, c);
        for (Map.Entry<Object, Object> e : d.entries()) {
          c.put(remap(e.getKey()), remap(e.getValue()));
        }
        for (Map.Entry<String, Object> e : d.attributes().entrySet()) {
          c.putAttribute(e.getKey(), remap(e.getValue()));
        }
        return c;
      } else if (value instanceof PyList) {
        PyList c = new PyList();
        copies.put(value, c);
        for (Object o : (PyList) value) {
          c.add(remap(o));
        }
        return c;
      } else if (value instanceof PyTuple) {
        List<Object> items = new ArrayList<>();
        for (Object o : ((PyTuple) value).items()) {
          items.add(remap(o));
        }
        copy = new PyTuple(items);
      } else if (value instanceof PySet) {
        List<Object> items = new ArrayList<>();
        for (Object o : ((PySet) value).items()) {
          items.add(remap(o));
        }
        copy = new PySet(items);
      } else if (value instanceof SparseTensorRef) {
        SparseTensorRef s = (SparseTensorRef) value;
        List<Object> items = new ArrayList<>();
        for (Object o : s.data()) {
          items.add(remap(o));
        }
        copy = new SparseTensorRef(s.layout(), items);
      } else {
        return value;
      }
      copies.put(value, copy);
      return copy;
    }

    private TensorRef tensor(TensorRef t) throws FormatException {
      StorageRef s = t.storage();
      StorageRef renamed = null;
      if (s != null) {
        if (s.view() != null) {
          throw new FormatException(
              "Cannot write tensor: legacy storage views (PyTorch < 0.4) are not supported by the"
                  + " writer");
        }
        String key = keys.computeIfAbsent(s.key(), k -> Integer.toString(keys.size()));
        elementTypes.putIfAbsent(s.key(), t.dtype());
        renamed = new StorageRef(key, s.dtype(), s.numel(), s.location(), s.untyped(), null);
      }
      QuantParams q = t.quant();
      if (q != null && q.scales() != null) {
        q =
            new QuantParams(
                q.scheme(),
                q.scale(),
                q.zeroPoint(),
                (TensorRef) remap(q.scales()),
                (TensorRef) remap(q.zeroPoints()),
                q.axis());
      }
      Map<String, Object> attributes = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : t.attributes().entrySet()) {
        attributes.put(e.getKey(), remap(e.getValue()));
      }
      return new TensorRef(
          renamed,
          t.dtype(),
          t.storageOffset(),
          t.size(),
          t.stride(),
          t.requiresGrad(),
          t.parameter(),
          t.conj(),
          t.neg(),
          q,
          attributes);
    }
  }
}
