package io.modelstash.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.pickle.PickleWriter;
import io.modelstash.format.pickle.PyDict;
import io.modelstash.format.pickle.StorageRef;
import io.modelstash.format.pickle.TensorRef;
import io.modelstash.format.torch.TorchWriter;
import io.modelstash.format.zip.ZipWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Files PyTorch 1.13 cannot write, built to the 2.x layout: the dtypes that need {@code
 * _rebuild_tensor_v3} with untyped storages (float8, uint16–64, complex32, bits), and a storage
 * written big-endian with a {@code byteorder=big} record.
 */
class NewDtypesAndByteOrderTest {

  private static String sha(byte[] b) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void v3DtypesReadBackElementForElement() throws Exception {
    List<DType> dtypes =
        List.of(
            DType.FLOAT8_E4M3FN,
            DType.FLOAT8_E5M2,
            DType.FLOAT8_E4M3FNUZ,
            DType.FLOAT8_E5M2FNUZ,
            DType.FLOAT8_E8M0FNU,
            DType.UINT16,
            DType.UINT32,
            DType.UINT64,
            DType.COMPLEX32,
            DType.BITS16);
    Random random = new Random(5);
    PyDict root = PyDict.ordered();
    Map<String, Storage> storages = new HashMap<>();
    Map<String, byte[]> data = new HashMap<>();
    for (DType t : dtypes) {
      byte[] bytes = new byte[6 * t.elementSize()];
      random.nextBytes(bytes);
      String key = t.torchName();
      storages.put(key, new Storage(key, DType.UINT8, bytes.length, ByteSource.wrap(bytes), false));
      data.put(t.torchName(), bytes);
      root.put(t.torchName(), TensorRef.contiguous(StorageRef.untyped(key, bytes.length), t, 2, 3));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TorchWriter.write(out, root, storages::get, PickleWriter.Compat.CURRENT);
    try (Checkpoint c = Checkpoints.read(ByteSource.wrap(out.toByteArray()))) {
      assertThat(c.tensors()).hasSize(dtypes.size());
      for (Tensor t : c.tensors()) {
        assertThat(t.dtype().torchName()).isEqualTo(t.name());
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t.sha256()).isEqualTo(sha(data.get(t.name())));
      }
    }
  }

  @Test
  void bigEndianStoragesAreSwappedToLittleEndian() throws Exception {
    float[] values = {1.5f, -2.25f, 3e-39f, Float.NaN, 0f, -0f};
    java.nio.ByteBuffer little =
        java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    java.nio.ByteBuffer big = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.BIG_ENDIAN);
    for (float v : values) {
      little.putFloat(v);
      big.putFloat(v);
    }
    PyDict root = PyDict.ordered();
    root.put("w", TensorRef.contiguous(StorageRef.typed("0", DType.FLOAT32, 6), DType.FLOAT32, 6));
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    try (ZipWriter zip = new ZipWriter(file, 64)) {
      zip.add("archive/data.pkl", PickleWriter.write(root, PickleWriter.Compat.CURRENT));
      zip.add("archive/byteorder", "big".getBytes(StandardCharsets.US_ASCII));
      zip.add("archive/data/0", big.array());
      zip.add("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }
    try (Checkpoint c = Checkpoints.read(ByteSource.wrap(file.toByteArray()))) {
      assertThat(c.tensors().get(0).sha256()).isEqualTo(sha(little.array()));
      // converting writes the little-endian layout torch.save uses
      ByteArrayOutputStream converted = new ByteArrayOutputStream();
      io.modelstash.format.convert.Converter.toTorch(c, converted, PickleWriter.Compat.CURRENT);
      try (Checkpoint back = Checkpoints.read(ByteSource.wrap(converted.toByteArray()))) {
        assertThat(back.tensors().get(0).storage().bigEndian()).isFalse();
        assertThat(back.tensors().get(0).sha256()).isEqualTo(sha(little.array()));
      }
    }
  }
}
