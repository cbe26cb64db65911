package io.modelstash.store.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Encodes manifests: {@code "MSMF"}, a format version byte, a u32 little-endian length N, N bytes
 * of body, and a CRC-32C (little-endian) of everything before it. Format 2 (written) has as body a
 * u32 little-endian length of the UTF-8 JSON and one zstd frame of that JSON; format 1 (still read)
 * has the JSON itself. Readers refuse versions they do not know, and never hold more than {@value
 * #MAX_JSON} bytes of decompressed JSON, whatever an object declares. The JSON layout is described
 * in {@code docs/store-format.md}.
 */
public final class ManifestCodec {
  static final byte[] MAGIC = {'M', 'S', 'M', 'F'};

  /** The format version this code writes and the newest it reads. */
  public static final int VERSION = 2;

  /** The largest manifest JSON written or read (decompressed, in bytes). */
  static final int MAX_JSON = 256 << 20;

  /**
   * The zstd level. On real manifests (4.9 KB for a 25-tensor checkpoint, 55 KB for a 12 MB one)
   * level 9 reaches 21% and 12% of the JSON in 0.06 and 0.5 ms; level 19 saves at most 9% more (on
   * the large one) for 15 to 45 times the time, and decoding costs the same at any level.
   */
  static final int LEVEL = 9;

  private static final int LENGTH_BYTES = 4;
  private static final int INITIAL_BUFFER = 64 << 10;

  private ManifestCodec() {}

  public static byte[] encode(Manifest m) {
    ObjectNode root = JsonTrees.object();
    root.put("path", m.path().toString());
    root.put("put_id", m.putId());
    root.put("created_at", m.createdAt().toString());
    ObjectNode file = root.putObject("file");
    file.put("sha256", m.fileSha256().hex());
    file.put("size", m.size());
    m.originalFileName().ifPresent(n -> file.put("name", n));
    m.note().ifPresent(n -> root.put("note", n));
    ObjectNode params = root.putObject("params");
    new TreeMap<>(m.params()).forEach(params::put);
    ObjectNode metrics = root.putObject("metrics");
    new TreeMap<>(m.metrics()).forEach(metrics::put);
    ArrayNode tensors = root.putArray("tensors");
    for (Manifest.TensorEntry t : m.tensors()) {
      ObjectNode o = tensors.addObject();
      o.put("name", t.name());
      o.put("dtype", t.dtype());
      ArrayNode shape = o.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      o.put("nbytes", t.nbytes());
      t.storage().ifPresent(v -> o.set("storage", storage(v)));
    }
    root.set("layout", layout(m.layout()));
    byte[] json = JsonTrees.write(root);
    if (json.length > MAX_JSON) {
      throw new IllegalArgumentException(
          "Cannot store the manifest of "
              + m.path()
              + ": its JSON is "
              + json.length
              + " bytes, over the limit of "
              + MAX_JSON
              + " (the file has too many chunks)");
    }
    byte[] frame = Zstd.compress(json, LEVEL);
    byte[] body =
        ByteBuffer.allocate(LENGTH_BYTES + frame.length)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(json.length)
            .put(frame)
            .array();
    return JsonEnvelope.wrap(MAGIC, VERSION, body);
  }

  private static ObjectNode storage(Manifest.StorageView v) {
    ObjectNode o = JsonTrees.object();
    o.put("key", v.key()).put("nbytes", v.nbytes()).put("offset", v.offset());
    ArrayNode stride = o.putArray("stride");
    for (long s : v.stride()) {
      stride.add(s);
    }
    v.position().ifPresent(p -> o.put("at", p));
    if (v.level().length > 0) {
      ArrayNode in = o.putArray("in");
      for (int k : v.level()) {
        in.add(k);
      }
    }
    if (v.bigEndian()) {
      o.put("be", true);
    }
    if (v.conj()) {
      o.put("conj", true);
    }
    if (v.neg()) {
      o.put("neg", true);
    }
    return o;
  }

  private static Manifest.StorageView storage(JsonNode o) {
    JsonNode in = o.get("in");
    int[] level = new int[in == null ? 0 : in.size()];
    for (int i = 0; i < level.length; i++) {
      level[i] = in.get(i).asInt();
    }
    JsonNode at = o.get("at");
    return new Manifest.StorageView(
        o.required("key").asText(),
        o.required("nbytes").asLong(),
        o.required("offset").asLong(),
        longs(o.required("stride")),
        o.path("be").asBoolean(false),
        o.path("conj").asBoolean(false),
        o.path("neg").asBoolean(false),
        level,
        at == null ? OptionalLong.empty() : OptionalLong.of(at.asLong()));
  }

  private static ObjectNode layout(Manifest.Layout l) {
    ObjectNode o = JsonTrees.object();
    o.put("format", l.format());
    ArrayNode segs = o.putArray("segments");
    for (Manifest.Segment s : l.segments()) {
      ObjectNode so = segs.addObject();
      if (s instanceof Manifest.Opaque) {
        so.put("t", "o").put("n", s.length());
      } else if (s instanceof Manifest.Payload) {
        Manifest.Payload p = (Manifest.Payload) s;
        so.put("t", "p").put("n", p.length()).put("key", p.key()).put("dtype", p.dtype());
        p.tensor().ifPresent(name -> so.put("tensor", name));
        so.set("chunks", chunks(p.chunks()));
      } else {
        Manifest.Deflated d = (Manifest.Deflated) s;
        so.put("t", "d").put("n", d.length()).put("level", d.level());
        ArrayNode flushes = so.putArray("flush");
        for (long f : d.flushPoints()) {
          flushes.add(f);
        }
        so.set("inner", layout(d.inner()));
      }
    }
    o.set("opaque", chunks(l.opaqueChunks()));
    return o;
  }

  private static ArrayNode chunks(List<Manifest.ChunkRef> refs) {
    ArrayNode a = JsonTrees.array();
    for (Manifest.ChunkRef c : refs) {
      a.addArray().add(c.id().hex()).add(c.length());
    }
    return a;
  }

  /**
   * Decodes a manifest of format 1 or 2, checking magic, version, lengths and checksum.
   *
   * @param name the manifest's name, for messages
   */
  public static Manifest decode(byte[] data, Digest name) throws CorruptObjectException {
    String what = "Manifest " + name.hex();
    JsonEnvelope.Body body =
        JsonEnvelope.open(
            data,
            MAGIC,
            VERSION,
            LENGTH_BYTES + Zstd.compressBound(MAX_JSON),
            what,
            "manifest format");
    byte[] json;
    if (body.version() == 1) {
      if (body.bytes().length > MAX_JSON) {
        throw new CorruptObjectException(
            what
                + " is corrupt: "
                + body.bytes().length
                + " bytes of JSON, over the limit of "
                + MAX_JSON);
      }
      json = body.bytes();
    } else if (body.version() == 2) {
      json = inflate(body.bytes(), what);
    } else {
      throw new CorruptObjectException(
          what + " is corrupt: unknown manifest format " + body.version());
    }
    try {
      JsonNode root = JsonTrees.read(json);
      JsonNode file = root.required("file");
      Map<String, String> params = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : root.required("params").properties()) {
        params.put(e.getKey(), e.getValue().asText());
      }
      Map<String, Double> metrics = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : root.required("metrics").properties()) {
        metrics.put(e.getKey(), e.getValue().asDouble());
      }
      List<Manifest.TensorEntry> tensors = new ArrayList<>();
      for (JsonNode t : root.required("tensors")) {
        JsonNode shape = t.required("shape");
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
          dims[i] = shape.get(i).asLong();
        }
        tensors.add(
            new Manifest.TensorEntry(
                t.required("name").asText(),
                t.required("dtype").asText(),
                dims,
                t.required("nbytes").asLong(),
                Optional.ofNullable(t.get("storage")).map(ManifestCodec::storage)));
      }
      return new Manifest(
          ModelPath.parse(root.required("path").asText()),
          root.required("put_id").asText(),
          Instant.parse(root.required("created_at").asText()),
          Digest.parse(file.required("sha256").asText()),
          file.required("size").asLong(),
          Optional.ofNullable(file.get("name")).map(JsonNode::asText),
          Optional.ofNullable(root.get("note")).map(JsonNode::asText),
          params,
          metrics,
          tensors,
          layout(root.required("layout")));
    } catch (IOException | RuntimeException e) {
      throw new CorruptObjectException(what + " is corrupt: " + e.getMessage());
    }
  }

  /**
   * The JSON of a format-2 body. Decompresses as a stream into a buffer that grows with the output
   * up to the declared length, so a small hostile object that declares a large length or
   * decompresses to more than it declares costs no more memory than it really produces, and never
   * more than {@link #MAX_JSON}.
   */
  private static byte[] inflate(byte[] body, String what) throws CorruptObjectException {
    if (body.length < LENGTH_BYTES) {
      throw new CorruptObjectException(
          what
              + " is corrupt: expected at least "
              + LENGTH_BYTES
              + " body bytes, actual "
              + body.length);
    }
    long declared = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 0xFFFFFFFFL;
    if (declared > MAX_JSON) {
      throw new CorruptObjectException(
          what
              + " is corrupt: declares "
              + declared
              + " bytes of JSON, over the limit of "
              + MAX_JSON);
    }
    int expected = (int) declared;
    byte[] out = new byte[Math.min(expected, INITIAL_BUFFER)];
    int n = 0;
    try (InputStream in =
        new ZstdInputStreamNoFinalizer(
            new ByteArrayInputStream(body, LENGTH_BYTES, body.length - LENGTH_BYTES),
            RecyclingBufferPool.INSTANCE)) {
      while (true) {
        if (n == out.length) {
          if (n == expected) {
            if (in.read() >= 0) {
              throw new CorruptObjectException(
                  what + " is corrupt: JSON is longer than the declared " + expected + " bytes");
            }
            break;
          }
          out = Arrays.copyOf(out, (int) Math.min(expected, 2L * n));
        }
        int r = in.read(out, n, out.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
    } catch (CorruptObjectException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // zstd-jni reports a damaged frame as ZstdIOException or ZstdException
      throw new CorruptObjectException(
          what + " is corrupt: invalid zstd frame: " + e.getMessage(), e);
    }
    if (n != expected) {
      throw new CorruptObjectException(
          what + " is corrupt: expected " + expected + " bytes of JSON, actual " + n);
    }
    return out;
  }

  private static Manifest.Layout layout(JsonNode o) {
    List<Manifest.Segment> segments = new ArrayList<>();
    for (JsonNode s : o.required("segments")) {
      String t = s.required("t").asText();
      long n = s.required("n").asLong();
      switch (t) {
        case "o":
          segments.add(new Manifest.Opaque(n));
          break;
        case "p":
          segments.add(
              new Manifest.Payload(
                  n,
                  s.required("key").asText(),
                  Optional.ofNullable(s.get("tensor")).map(JsonNode::asText),
                  s.required("dtype").asText(),
                  refs(s.required("chunks"))));
          break;
        case "d":
          segments.add(
              new Manifest.Deflated(
                  n,
                  s.required("level").asInt(),
                  longs(s.required("flush")),
                  layout(s.required("inner"))));
          break;
        default:
          throw new IllegalArgumentException("unknown segment type '" + t + "'");
      }
    }
    return new Manifest.Layout(o.required("format").asText(), segments, refs(o.required("opaque")));
  }

  private static long[] longs(JsonNode a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asLong();
    }
    return out;
  }

  private static List<Manifest.ChunkRef> refs(JsonNode a) {
    List<Manifest.ChunkRef> out = new ArrayList<>(a.size());
    for (JsonNode c : a) {
      out.add(new Manifest.ChunkRef(Digest.parse(c.get(0).asText()), c.get(1).asInt()));
    }
    return out;
  }
}
