package io.modelstash.format.torch;

import io.modelstash.format.ByteSource;
import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import io.modelstash.format.Storage;
import io.modelstash.format.Tensor;
import io.modelstash.format.pickle.StorageRef;
import io.modelstash.format.pickle.TensorRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the tensor references of an unpickled PyTorch object tree into {@link Tensor}s backed by
 * the file's storage records, checking that every reference agrees with its record: the same key
 * always declares the same dtype and size, the size matches the record exactly, and every view
 * stays inside its storage.
 */
final class TensorBuilder {

  /** Where the bytes of a storage key live in the file. */
  interface Records {
    /** The record's bytes, or a FormatException naming the missing record. */
    ByteSource record(String key) throws IOException;
  }

  private final Records records;
  private final boolean bigEndian;
  private final Map<String, Storage> storages = new HashMap<>();
  private final Map<String, StorageRef> declared = new HashMap<>();

  TensorBuilder(Records records, boolean bigEndian) {
    this.records = records;
    this.bigEndian = bigEndian;
  }

  List<Tensor> build(List<TensorNames.Named> named) throws IOException {
    List<Tensor> out = new ArrayList<>(named.size());
    for (TensorNames.Named n : named) {
      Tensor t = tensor(n.name(), n.tensor());
      if (t != null) {
        out.add(t);
      }
    }
    return out;
  }

  /** The tensor, or null for a meta tensor that has no data. */
  private Tensor tensor(String name, TensorRef ref) throws IOException {
    StorageRef sref = ref.storage();
    if (sref == null) {
      return null;
    }
    Storage storage = storage(sref);
    DType dtype = ref.dtype();
    int esize = dtype.elementSize();
    if (storage.nbytes() % esize != 0) {
      throw new FormatException(
          "Cannot read tensor '"
              + name
              + "': storage "
              + sref.key()
              + " has "
              + storage.nbytes()
              + " bytes, not a multiple of the "
              + esize
              + "-byte "
              + dtype
              + " element");
    }
    long[] size = ref.size();
    long[] stride = ref.stride();
    Tensor.checkGeometry(name, size, stride, ref.storageOffset(), storage.nbytes() / esize);
    return new Tensor(
        name,
        dtype,
        size,
        stride,
        ref.storageOffset(),
        storage,
        ref.conj(),
        ref.neg(),
        ref.requiresGrad());
  }

  private Storage storage(StorageRef ref) throws IOException {
    String key = ref.key();
    StorageRef first = declared.get(key);
    if (first != null) {
      if (first.dtype() != ref.dtype() || first.numel() != ref.numel()) {
        throw new FormatException(
            "Cannot read checkpoint: storage "
                + key
                + " is declared twice with different types or sizes ("
                + first.dtype()
                + "×"
                + first.numel()
                + " and "
                + ref.dtype()
                + "×"
                + ref.numel()
                + ")");
      }
    } else {
      declared.put(key, ref);
    }
    String id = ref.view() == null ? key : key + "#" + ref.view().viewKey();
    Storage cached = storages.get(id);
    if (cached != null) {
      return cached;
    }
    long nbytes;
    try {
      nbytes = Math.multiplyExact(ref.numel(), (long) ref.dtype().elementSize());
    } catch (ArithmeticException e) {
      throw new FormatException(
          "Cannot read storage "
              + key
              + ": numel "
              + ref.numel()
              + " × element size "
              + ref.dtype().elementSize()
              + " overflows 64 bits",
          e);
    }
    ByteSource data = records.record(key);
    if (data.size() != nbytes) {
      throw new FormatException(
          "Cannot read storage "
              + key
              + ": declared size "
              + nbytes
              + " bytes ("
              + ref.numel()
              + " × "
              + ref.dtype()
              + ") does not match its record's size of "
              + data.size()
              + " bytes");
    }
    Storage storage;
    if (ref.view() != null) {
      storage = viewStorage(ref, data);
    } else {
      storage = new Storage(key, ref.dtype(), nbytes, data, bigEndian);
    }
    storages.put(id, storage);
    return storage;
  }

  /** A legacy view storage: a slice {@code (offset, size)} of its root storage, in elements. */
  private Storage viewStorage(StorageRef ref, ByteSource root) throws IOException {
    int esize = ref.dtype().elementSize();
    long offset = ref.view().offset();
    long size = ref.view().size();
    long rootElements = root.size() / esize;
    if (offset < 0 || size < 0 || offset > rootElements || size > rootElements - offset) {
      throw new FormatException(
          "Cannot read storage view "
              + ref.view().viewKey()
              + ": elements ["
              + offset
              + ", "
              + offset
              + "+"
              + size
              + ") lie outside root storage "
              + ref.key()
              + " of "
              + rootElements
              + " elements");
    }
    ByteSource slice = root.slice(offset * esize, size * esize);
    return new Storage(ref.view().viewKey(), ref.dtype(), size * esize, slice, bigEndian);
  }
}
