package io.modelstash.format.convert;

import io.modelstash.format.Checkpoint;
import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import io.modelstash.format.Storage;
import io.modelstash.format.Tensor;
import io.modelstash.format.pickle.PickleWriter;
import io.modelstash.format.pickle.PyDict;
import io.modelstash.format.pickle.PyList;
import io.modelstash.format.pickle.PyTuple;
import io.modelstash.format.pickle.StorageRef;
import io.modelstash.format.pickle.TensorRef;
import io.modelstash.format.safetensors.SafetensorsWriter;
import io.modelstash.format.torch.TensorNames;
import io.modelstash.format.torch.TorchWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a read {@link Checkpoint} to the PyTorch zip format or to safetensors. Each refusal says
 * what the target cannot express and which option, if any, gets past it.
 */
public final class Converter {

  /** Choices for writing safetensors. */
  public record SafetensorsOptions(boolean copyShared, boolean dropNonTensors) {}

  private Converter() {}

  /**
   * Writes the checkpoint as a PyTorch zip file: the object tree of a PyTorch input as it was, or
   * an ordered dict of name → tensor for safetensors input.
   */
  public static void toTorch(Checkpoint c, OutputStream out, PickleWriter.Compat compat)
      throws IOException {
    Map<String, Storage> byKey = new HashMap<>();
    Object root;
    if (c.root().isPresent()) {
      root = c.root().get();
      for (Tensor t : c.tensors()) {
        byKey.putIfAbsent(t.storage().key(), t.storage());
      }
    } else {
      PyDict dict = PyDict.ordered();
      for (Tensor t : c.tensors()) {
        DType dtype = t.dtype();
        if (dtype.bits() < 8) {
          throw new CannotConvertException(
              "Cannot convert tensor '"
                  + t.name()
                  + "' to PyTorch: torch has no unpacked "
                  + dtype
                  + " dtype");
        }
        String key = "t" + byKey.size();
        byKey.put(key, t.storage());
        StorageRef ref =
            dtype.storageClass().isPresent()
                ? StorageRef.typed(key, dtype, t.numel())
                : StorageRef.untyped(key, t.storage().nbytes());
        dict.put(t.name(), TensorRef.contiguous(ref, dtype, t.shape()));
      }
      root = dict;
    }
    TorchWriter.StorageSource source =
        key -> {
          Storage s = byKey.get(key);
          if (s == null) {
            throw new CannotConvertException(
                "Cannot convert: storage "
                    + key
                    + " is referenced only from quantizer parameters, which the writer does not"
                    + " copy");
          }
          return s;
        };
    try {
      TorchWriter.write(out, root, source, compat);
    } catch (CannotConvertException e) {
      throw e;
    } catch (FormatException e) {
      // the pickle writer refuses what the chosen torch version cannot load
      throw new CannotConvertException(e.getMessage());
    }
  }

  /** Writes the checkpoint's tensors as a safetensors file. */
  public static void toSafetensors(Checkpoint c, OutputStream out, SafetensorsOptions options)
      throws IOException {
    if (!options.dropNonTensors() && c.root().isPresent()) {
      String leaf = firstNonTensor(c.root().get());
      if (leaf != null) {
        throw new CannotConvertException(
            "Cannot convert to safetensors: "
                + leaf
                + " is not a tensor and safetensors holds only tensors (use --drop-non-tensors"
                + " to leave such values out)");
      }
    }
    Map<Storage, List<Tensor>> users = new IdentityHashMap<>();
    for (Tensor t : c.tensors()) {
      users.computeIfAbsent(t.storage(), s -> new ArrayList<>()).add(t);
    }
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    Map<String, Boolean> names = new HashMap<>();
    for (Tensor t : c.tensors()) {
      if (names.put(t.name(), Boolean.TRUE) != null) {
        throw new CannotConvertException(
            "Cannot convert to safetensors: two tensors are named '" + t.name() + "'");
      }
      List<Tensor> sharing = users.get(t.storage());
      if (sharing.size() > 1 && !options.copyShared()) {
        throw new CannotConvertException(
            "Cannot convert to safetensors: tensors '"
                + sharing.get(0).name()
                + "' and '"
                + sharing.get(1).name()
                + "' share storage, which safetensors cannot express (use --copy-shared to write"
                + " each as its own copy)");
      }
      if (t.dtype().safetensorsName().isEmpty() || t.dtype() == DType.FLOAT4_E2M1FN_X2) {
        throw new CannotConvertException(
            "Cannot convert tensor '"
                + t.name()
                + "' to safetensors: safetensors has no "
                + t.dtype()
                + " dtype");
      }
      entries.add(new SafetensorsWriter.Entry(t.name(), t.dtype(), t.shape(), t::writeElements));
    }
    Map<String, String> metadata = new LinkedHashMap<>(c.metadata());
    SafetensorsWriter.write(out, metadata, entries);
  }

  /** Path of the first value in the tree that is neither a container nor a tensor, or null. */
  private static String firstNonTensor(Object root) {
    String[] found = {null};
    TensorNames.walk(
        root,
        (path, v) -> {
          if (found[0] != null || v instanceof TensorRef) {
            return false;
          }
          if (v instanceof PyDict || v instanceof PyList || v instanceof PyTuple) {
            return true;
          }
          found[0] =
              (path == null ? "the saved object" : "'" + path + "'") + " (" + typeName(v) + ")";
          return false;
        });
    return found[0];
  }

  private static String typeName(Object v) {
    if (v instanceof Long || v instanceof java.math.BigInteger) {
      return "int";
    }
    if (v instanceof Double) {
      return "float";
    }
    if (v instanceof String) {
      return "str";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    return v.getClass().getSimpleName();
  }
}
