package io.modelstash.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.PutResult;
import io.modelstash.store.catalog.NewVersion;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash put PATH FILE}: saves a file as the next version of a model path. */
@Command(
    name = "put",
    description = "Save a checkpoint file (or '-' for standard input) as the next version of PATH.")
final class PutCommand extends StoreCommand {
  @Parameters(index = "0", paramLabel = "PATH", description = "Model path, e.g. project/run/model.")
  String path;

  @Parameters(index = "1", paramLabel = "FILE", description = "The file, or '-' for stdin.")
  String file;

  @Option(names = "--param", paramLabel = "KEY=VALUE", description = "A parameter (text).")
  List<String> params = List.of();

  @Option(names = "--metric", paramLabel = "KEY=NUMBER", description = "A metric (number).")
  List<String> metrics = List.of();

  @Option(names = "--note", paramLabel = "TEXT", description = "A free-form note.")
  String note;

  @Option(names = "--tag", paramLabel = "ALIAS", description = "Point ALIAS at the new version.")
  String tag;

  @Option(
      names = "--meta-file",
      paramLabel = "JSON",
      description =
          "A JSON object of parameters; its \"params\", \"metrics\" and \"note\" keys, if present,"
              + " are read as such.")
  Path metaFile;

  @Option(
      names = "--base",
      paramLabel = "REF",
      description =
          "Store tensors as deltas against this version (e.g. the pretrained model of a"
              + " fine-tune); default: the latest version of PATH.")
  String base;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  int run(ModelStash stash) throws IOException {
    ModelPath modelPath = path(path);
    Map<String, String> p = new LinkedHashMap<>();
    Map<String, Double> m = new LinkedHashMap<>();
    Optional<String> n = Optional.ofNullable(note);
    if (metaFile != null) {
      n = readMetaFile(p, m).or(() -> Optional.ofNullable(note));
    }
    for (String kv : params) {
      String[] parts = split(kv, "--param");
      p.put(parts[0], parts[1]);
    }
    for (String kv : metrics) {
      String[] parts = split(kv, "--metric");
      try {
        m.put(parts[0], Double.parseDouble(parts[1]));
      } catch (NumberFormatException e) {
        throw new UserException(
            ExitCode.USAGE,
            "Invalid --metric '" + kv + "': the value must be a number (use --param for text)");
      }
    }
    if (note != null) {
      n = Optional.of(note);
    }
    try {
      NewVersion.checkMetadata(modelPath, p, m, n);
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCode.USAGE, e.getMessage());
    }
    Optional<AliasName> alias = Optional.ofNullable(tag).map(AliasName::of);
    Optional<Ref> baseRef = Optional.ofNullable(base).map(StoreCommand::ref);
    PutResult r;
    if (file.equals("-")) {
      PutOptions options = new PutOptions(p, m, n, alias, Optional.empty(), baseRef);
      r = stash.put(modelPath, main.io.stdin(), options);
    } else {
      Path f = main.io.path(file);
      if (!java.nio.file.Files.isRegularFile(f)) {
        throw new UserException(
            ExitCode.IO,
            java.nio.file.Files.isDirectory(f)
                ? "Cannot put " + f + ": it is a directory (use 'modelstash import' for trees)"
                : "No such file: " + f);
      }
      if (!java.nio.file.Files.isReadable(f)) {
        throw new UserException(ExitCode.IO, "Cannot read " + f + ": permission denied");
      }
      PutOptions options = new PutOptions(p, m, n, alias, Optional.empty(), baseRef);
      try (Progress progress = Progress.bytes(main.io, "put", java.nio.file.Files.size(f), 2)) {
        r = stash.put(modelPath, f, options, progress);
      }
    }
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("path", r.id().path().toString());
      doc.put("version", r.id().number());
      doc.put("sha256", r.sha256().hex());
      doc.put("size", r.size());
      doc.put("stored_bytes_added", r.storedBytesAdded());
      Output.json(out(), doc);
    } else {
      out().println(r.id());
      if (main.io.interactive()) {
        err()
            .printf(
                "stored %s (%s new, %s of the file)%n",
                Table.bytes(r.size()),
                Table.bytes(r.storedBytesAdded()),
                Output.ratio(r.storedBytesAdded(), r.size()));
      }
    }
    return ExitCode.OK;
  }

  private static String[] split(String kv, String option) {
    int eq = kv.indexOf('=');
    if (eq <= 0) {
      throw new UserException(
          ExitCode.USAGE, "Invalid " + option + " '" + kv + "': expected KEY=VALUE");
    }
    return new String[] {kv.substring(0, eq), kv.substring(eq + 1)};
  }

  private Optional<String> readMetaFile(Map<String, String> p, Map<String, Double> m)
      throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(metaFile.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UserException(
          ExitCode.USAGE,
          "Cannot read --meta-file "
              + metaFile
              + ": not valid JSON ("
              + e.getOriginalMessage()
              + ")");
    }
    if (root == null || !root.isObject()) {
      throw new UserException(
          ExitCode.USAGE, "Cannot read --meta-file " + metaFile + ": expected a JSON object");
    }
    Optional<String> note = Optional.empty();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "params":
          v.properties().forEach(x -> p.put(x.getKey(), text(x.getValue())));
          break;
        case "metrics":
          for (Map.Entry<String, JsonNode> x : v.properties()) {
            if (!x.getValue().isNumber()) {
              throw new UserException(
                  ExitCode.USAGE,
                  "Cannot read --meta-file "
                      + metaFile
                      + ": metric '"
                      + x.getKey()
                      + "' is not a number");
            }
            m.put(x.getKey(), x.getValue().asDouble());
          }
          break;
        case "note":
          note = Optional.of(text(v));
          break;
        default:
          p.put(e.getKey(), text(v));
      }
    }
    return note;
  }

  private static String text(JsonNode v) {
    return v.isValueNode() ? v.asText() : v.toString();
  }
}
