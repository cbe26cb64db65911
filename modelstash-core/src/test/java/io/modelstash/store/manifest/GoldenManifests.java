package io.modelstash.store.manifest;

import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The manifest behind the checked-in golden manifests that {@link ManifestCodecTest} decodes, and
 * the program that wrote them: {@code v<N>-manifest.msmf} is {@link #manifest()} as format N
 * encoded it. It uses every field the JSON can hold (note, file name, non-ASCII text, storage views
 * with and without a position, nested deflate levels), so a change that stops reading what an
 * earlier version wrote fails a test. Run once per format change with the resources directory as
 * argument; it refuses to overwrite a file, since a released format's bytes must stay as written.
 */
public final class GoldenManifests {

  private GoldenManifests() {}

  /** The golden manifest; fixed, so every format version encodes the same content. */
  public static Manifest manifest() {
    Manifest.ChunkRef header = ref("opaque header", 1152);
    Manifest.ChunkRef payload = ref("payload", 2560);
    Manifest.ChunkRef innerHeader = ref("inner header", 300);
    Manifest.ChunkRef innerPayload = ref("inner payload", 256);
    Manifest.Layout inner =
        new Manifest.Layout(
            "pickle",
            List.of(
                new Manifest.Opaque(300),
                new Manifest.Payload(
                    256, "1", Optional.empty(), "bfloat16", List.of(innerPayload))),
            List.of(innerHeader));
    Manifest.Layout layout =
        new Manifest.Layout(
            "torch-zip",
            List.of(
                new Manifest.Opaque(1000),
                new Manifest.Payload(
                    2560, "0", Optional.of("model/fc.weight"), "float32", List.of(payload)),
                new Manifest.Deflated(490, 9, new long[] {100, 400}, inner),
                new Manifest.Opaque(152)),
            List.of(header));
    return new Manifest(
        ModelPath.parse("ProjectAlpha/Experiment1/model"),
        "2f1c6a53-8d0e-4a57-9b61-0c7e4f1a2b3c",
        Instant.parse("2026-11-28T12:00:00.123Z"),
        Digest.of("the whole file".getBytes(StandardCharsets.UTF_8)),
        layout.length(),
        Optional.of("ckpt-ü.pt"),
        Optional.of("golden manifest — checked in"),
        Map.of("lr", "3e-4", "optimizer", "AdamW"),
        Map.of("val_loss", 0.31, "acc", 0.875),
        List.of(
            new Manifest.TensorEntry(
                "model/fc.weight",
                "float32",
                new long[] {10, 64},
                2560,
                Optional.of(
                    new Manifest.StorageView(
                        "0",
                        2560,
                        0,
                        new long[] {64, 1},
                        false,
                        false,
                        false,
                        new int[0],
                        OptionalLong.of(1000)))),
            new Manifest.TensorEntry(
                "model/emb.weight",
                "bfloat16",
                new long[] {8, 16},
                256,
                Optional.of(
                    new Manifest.StorageView(
                        "1",
                        256,
                        0,
                        new long[] {1, 8},
                        true,
                        true,
                        true,
                        new int[] {0},
                        OptionalLong.of(300)))),
            new Manifest.TensorEntry(
                "model/zipped",
                "int64",
                new long[] {3},
                24,
                Optional.of(
                    new Manifest.StorageView(
                        "2",
                        24,
                        0,
                        new long[] {1},
                        false,
                        false,
                        false,
                        new int[0],
                        OptionalLong.empty()))),
            new Manifest.TensorEntry("model/legacy", "float16", new long[] {}, 2)),
        layout);
  }

  private static Manifest.ChunkRef ref(String content, int length) {
    return new Manifest.ChunkRef(Digest.of(content.getBytes(StandardCharsets.UTF_8)), length);
  }

  /** Writes {@code v<VERSION>-manifest.msmf} into the directory given as the only argument. */
  public static void main(String[] args) throws IOException {
    Path dir = Paths.get(args[0]);
    Files.createDirectories(dir);
    Path file = dir.resolve("v" + ManifestCodec.VERSION + "-manifest.msmf");
    Files.write(file, ManifestCodec.encode(manifest()), StandardOpenOption.CREATE_NEW);
  }
}
