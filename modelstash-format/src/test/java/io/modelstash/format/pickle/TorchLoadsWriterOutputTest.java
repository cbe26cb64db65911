package io.modelstash.format.pickle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelstash.format.DType;
import io.modelstash.format.pickle.PickleWriter.Compat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes a checkpoint with {@link PickleWriter} (TORCH_1_13), wraps it in a plain zip and loads it
 * with the real {@code torch.load(weights_only=True)} of /usr/bin/python3.
 */
class TorchLoadsWriterOutputTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");

  private static final String SUMMARY =
      String.join(
          "\n",
          "import json, sys, torch",
          "obj = torch.load(sys.argv[1], weights_only=True)",
          "def conv(o):",
          "    if isinstance(o, torch.Tensor):",
          "        v = o.detach().flatten()",
          "        return {'tensor': str(o.dtype), 'shape': list(o.shape), 'stride': list(o.stride()),",
          "                'offset': o.storage_offset(), 'rg': o.requires_grad,",
          "                'param': isinstance(o, torch.nn.Parameter), 'ptr': o.storage().data_ptr(),",
          "                'values': (v.int() if o.dtype == torch.bool else v.double()).tolist()}",
          "    if isinstance(o, torch.Size): return {'size': list(o)}",
          "    if isinstance(o, dict):",
          "        return {'dict': type(o).__name__, 'items': [[conv(k), conv(v)] for k, v in o.items()],",
          "                'meta': conv(getattr(o, '_metadata', None))}",
          "    if isinstance(o, tuple): return {'tuple': [conv(x) for x in o]}",
          "    if isinstance(o, list): return [conv(x) for x in o]",
          "    if type(o) is int and abs(o) > 2**53: return {'bigint': str(o)}",
          "    return o",
          "print(json.dumps(conv(obj)))");

  @Test
  void pytorchLoadsOurCheckpoint(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
    Map<String, byte[]> records = new LinkedHashMap<>();
    StorageRef weights = StorageRef.typed("0", DType.FLOAT32, 6);
    records.put("0", floats(0, 1, 2, 3, 4, 5));
    StorageRef steps = StorageRef.typed("1", DType.INT64, 1);
    records.put("1", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(7).array());
    StorageRef doubles = StorageRef.typed("2", DType.FLOAT64, 2);
    records.put(
        "2",
        ByteBuffer.allocate(16)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putDouble(1.5)
            .putDouble(2.5)
            .array());
    StorageRef bools = StorageRef.typed("3", DType.BOOL, 3);
    records.put("3", new byte[] {1, 0, 1});
    StorageRef bf16 = StorageRef.typed("4", DType.BFLOAT16, 2);
    records.put("4", new byte[] {(byte) 0x80, 0x3F, 0x00, (byte) 0xC0});

    PyDict sd = PyDict.ordered();
    sd.put("embed.weight", TensorRef.of(weights, 0, new long[] {2, 3}, new long[] {3, 1}));
    sd.put("head.weight", TensorRef.of(weights, 0, new long[] {3, 2}, new long[] {1, 3}));
    sd.put("row", TensorRef.of(weights, 3, new long[] {3}, new long[] {1}));
    sd.put("steps", TensorRef.of(steps, 0, new long[0], new long[0]));
    sd.put(
        "param",
        TensorRef.of(doubles, 0, new long[] {2}, new long[] {1}).withParameter(true, true));
    sd.put("mask", TensorRef.of(bools, 0, new long[] {3}, new long[] {1}));
    sd.put("bf16", TensorRef.of(bf16, 0, new long[] {2}, new long[] {1}));
    PyDict extra = PyDict.dict();
    extra.put("size", TorchSize.of(2, 3));
    extra.put("none", PyNone.NONE);
    extra.put("flags", PyTuple.of(true, false));
    extra.put("ints", PyList.of(-1L, 300L, -70000L, BigInteger.TWO.pow(70).negate()));
    extra.put(5L, "h\u00e9llo \uD83D\uDE00");
    sd.put("extra", extra);
    sd.putAttribute("_metadata", PyDict.ordered().put("", PyDict.dict().put("version", 1L)));

    byte[] pickle = PickleWriter.write(sd, Compat.TORCH_1_13);
    Path file = dir.resolve("ours.pt");
    Files.write(file, zip(pickle, records));
    JsonNode out = run(file, dir);

    assertThat(out.get("dict").asText()).isEqualTo("OrderedDict");
    assertThat(out.get("meta").get("items").get(0).get(1).get("items").get(0).get(1).asInt())
        .isEqualTo(1);
    Map<String, JsonNode> items = new LinkedHashMap<>();
    out.get("items").forEach(kv -> items.put(kv.get(0).asText(), kv.get(1)));
    assertThat(items.keySet())
        .containsExactly(
            "embed.weight", "head.weight", "row", "steps", "param", "mask", "bf16", "extra");
    JsonNode embed = items.get("embed.weight");
    assertThat(embed.get("tensor").asText()).isEqualTo("torch.float32");
    assertThat(embed.get("values").toString()).isEqualTo("[0.0,1.0,2.0,3.0,4.0,5.0]");
    JsonNode head = items.get("head.weight");
    assertThat(head.get("stride").toString()).isEqualTo("[1,3]");
    assertThat(head.get("values").toString()).isEqualTo("[0.0,3.0,1.0,4.0,2.0,5.0]");
    assertThat(head.get("ptr")).isEqualTo(embed.get("ptr"));
    assertThat(items.get("row").get("offset").asInt()).isEqualTo(3);
    assertThat(items.get("row").get("values").toString()).isEqualTo("[3.0,4.0,5.0]");
    assertThat(items.get("steps").get("shape").toString()).isEqualTo("[]");
    assertThat(items.get("steps").get("values").toString()).isEqualTo("[7.0]");
    JsonNode param = items.get("param");
    assertThat(param.get("param").asBoolean()).isTrue();
    assertThat(param.get("rg").asBoolean()).isTrue();
    assertThat(param.get("tensor").asText()).isEqualTo("torch.float64");
    assertThat(items.get("mask").get("values").toString()).isEqualTo("[1,0,1]");
    assertThat(items.get("bf16").get("values").toString()).isEqualTo("[1.0,-2.0]");
    assertThat(items.get("extra").toString())
        .isEqualTo(
            "{\"dict\":\"dict\",\"items\":[[\"size\",{\"size\":[2,3]}],[\"none\",null],"
                + "[\"flags\",{\"tuple\":[true,false]}],"
                + "[\"ints\",[-1,300,-70000,{\"bigint\":\"-1180591620717411303424\"}]],"
                + "[5,\"h\u00e9llo \uD83D\uDE00\"]],\"meta\":null}");
  }

  private static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  private static byte[] zip(byte[] pickle, Map<String, byte[]> records) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bytes)) {
      put(z, "archive/data.pkl", pickle);
      for (Map.Entry<String, byte[]> e : records.entrySet()) {
        put(z, "archive/data/" + e.getKey(), e.getValue());
      }
      put(z, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }
    return bytes.toByteArray();
  }

  private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setSize(data.length);
    CRC32 crc = new CRC32();
    crc.update(data);
    e.setCrc(crc.getValue());
    z.putNextEntry(e);
    z.write(data);
    z.closeEntry();
  }

  private static JsonNode run(Path file, Path dir) throws Exception {
    Path script = dir.resolve("summary.py");
    Files.writeString(script, SUMMARY);
    Process p =
        new ProcessBuilder(PYTHON.toString(), script.toString(), file.toString())
            .redirectError(dir.resolve("stderr.txt").toFile())
            .start();
    byte[] stdout = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String err = Files.readString(dir.resolve("stderr.txt"));
    assumeTrue(!err.contains("No module named 'torch'"), "torch is not installed");
    assertThat(p.exitValue()).as(err).isZero();
    return new ObjectMapper().readTree(stdout);
  }
}
