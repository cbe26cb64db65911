package io.modelstash.cli;

import io.modelstash.format.ByteSource;
import io.modelstash.format.Checkpoint;
import io.modelstash.format.Checkpoints;
import io.modelstash.format.Tensor;
import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.PutResult;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import io.modelstash.store.query.StoredTensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code modelstash import DIR}: stores a tree of checkpoint files, as the classic
 * save-into-timestamped-folders recipe leaves it, as versions.
 *
 * <p>A file {@code project/exp/20250130120000/model.pt.gz} becomes a version of {@code
 * project/exp/model}: the folders that are not timestamps, then the file name without its
 * checkpoint extensions.
 *
 * <p>Training loops also number their saves, and those numbers are versions too: a trailing counter
 * after a word such as {@code epoch}, {@code step}, {@code iter}, {@code checkpoint} or {@code
 * ckpt} is taken off the name, in a file name ({@code run1/ckpt_step00025.pt} is a version of
 * {@code run1/ckpt}, {@code lr0.01/epoch03.pt} one of {@code lr0.01}) as in a folder ({@code
 * checkpoint-500/pytorch_model.bin} is a version of {@code pytorch_model}); a folder named by a
 * number alone counts too. So a run's saves become one history, whose versions are stored as deltas
 * of each other, instead of one path per file. Other digits stay in the name: {@code resnet18} and
 * {@code resnet50} are different models, {@code lr0.003} a different run than {@code lr0.01}.
 *
 * <p>Versions of one path are put in timestamp order (folders named like {@code 20250130120000} or
 * {@code 2025-01-30T12-00-00}), then in counter order (numerically: step 100 after step 25; a file
 * without a counter, such as a final {@code model.pt}, after the numbered ones), then in
 * modification-time order. The file's relative location goes into parameter {@code import.source},
 * so {@code export} can put it back exactly; its timestamp into {@code import.timestamp}. Files
 * already imported (same source and content) are skipped, so an import can be rerun after new files
 * appear.
 *
 * <p>Paths are imported in name order. A new path that gets a single file, such as a fine-tune's
 * final model, is stored against the latest version of the first path imported before it whose file
 * holds the same tensors (names, dtypes and shapes), as {@code put --base} would: a fine-tune
 * against its pretrained model, which the tree usually holds next to it. Each chunk is still stored
 * standalone where the delta is not smaller, so an unrelated model of the same architecture costs
 * little more than the comparison. A path that gets several files is a history of its own and
 * starts standalone: its later versions are deltas against its first, and tying that first to
 * another run's chunks made a learning-rate sweep 1.5% larger. {@code --no-bases} turns this off.
 */
@Command(
    name = "import",
    description =
        "Store every file of a checkpoint folder tree as versions of the paths its folders name.")
final class ImportCommand extends StoreCommand {
  static final String SOURCE = "import.source";
  static final String TIMESTAMP = "import.timestamp";

  private static final Pattern TIMESTAMP_FOLDER =
      Pattern.compile(
          "\\d{8}(?:[T_-]?\\d{4}(?:\\d{2})?)?|\\d{4}-\\d{2}-\\d{2}(?:[T_ ]\\d{2}[-:]?\\d{2}(?:[-:]?\\d{2})?)?");
  private static final Pattern EXTENSION =
      Pattern.compile("\\.(gz|pt|pth|bin|ckpt|safetensors|pkl|tar)$");

  /**
   * A name that ends in a training counter, the word starting the name or following a separator:
   * group 1 is what remains of the name (null if nothing), group 2 the word, group 3 the number.
   */
  private static final Pattern COUNTER =
      Pattern.compile(
          "(?i)(?:(.*?)[-_.])?((?:global[-_]?)?(?:epoch|ep|step|steps|iter|iteration|it|checkpoint|ckpt))"
              + "[-_=]?(\\d{1,18})");

  private static final Pattern NUMBER = Pattern.compile("\\d{1,18}");
  private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");

  @Parameters(paramLabel = "DIR", description = "The tree to import.")
  Path root;

  @Option(names = "--into", paramLabel = "PREFIX", description = "Put every path under PREFIX.")
  String into;

  @Option(names = "--dry-run", description = "Only list what would be imported.")
  boolean dryRun;

  @Option(
      names = "--no-bases",
      description =
          "Store the first version of each new path on its own, not as a delta against an earlier"
              + " imported file with the same tensors (such as a fine-tune's pretrained model).")
  boolean noBases;

  record Item(
      Path file,
      String relative,
      ModelPath path,
      String timestamp,
      List<Long> counters,
      FileTime mtime) {}

  /** Timestamp, then counters (a file without one after the numbered files), then mtime. */
  private static final Comparator<Item> ORDER =
      Comparator.comparing((Item i) -> i.timestamp() == null ? "" : digits(i.timestamp()))
          .thenComparing(Item::counters, ImportCommand::compareCounters)
          .thenComparing(Item::mtime)
          .thenComparing(Item::relative);

  @Override
  int run(ModelStash stash) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new UserException(ExitCode.IO, "Cannot import " + root + ": not a directory");
    }
    Optional<ModelPath> prefix = Optional.ofNullable(into).map(StoreCommand::path);
    Map<ModelPath, List<Item>> byPath = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path f : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
        Item item = item(f, prefix);
        byPath.computeIfAbsent(item.path(), k -> new ArrayList<>()).add(item);
      }
    }
    int imported = 0;
    int skipped = 0;
    // tensor layout -> the version of an earlier path that a new path with that layout starts from
    Map<String, Ref> bases = new HashMap<>();
    for (Map.Entry<ModelPath, List<Item>> e : byPath.entrySet()) {
      List<Item> items = e.getValue();
      items.sort(ORDER);
      List<VersionInfo> existing = existing(stash, e.getKey());
      // a new path that gets a single file, such as a fine-tune's model, may start from a base
      Optional<String> single =
          !noBases && existing.isEmpty() && items.size() == 1
              ? layout(items.get(0).file(), stash)
              : Optional.empty();
      Optional<Ref> base = single.map(bases::get);
      Optional<VersionId> lastId = Optional.empty();
      for (Item i : items) {
        if (alreadyImported(existing, i)) {
          skipped++;
          continue;
        }
        if (dryRun) {
          out()
              .println(
                  i.relative() + " -> " + i.path() + base.map(b -> " (base " + b + ")").orElse(""));
          imported++;
          continue;
        }
        Map<String, String> params = new TreeMap<>();
        params.put(SOURCE, i.relative());
        if (i.timestamp() != null) {
          params.put(TIMESTAMP, i.timestamp());
        }
        PutResult r =
            stash.put(
                i.path(),
                i.file(),
                new PutOptions(
                    params,
                    Map.of(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.of(i.file().getFileName().toString()),
                    base));
        out()
            .println(
                i.relative() + " -> " + r.id() + base.map(b -> " (base " + b + ")").orElse(""));
        lastId = Optional.of(r.id());
        imported++;
      }
      // the path's newest version can be the base of later paths, also one an earlier import
      // stored: the version put last, else the newest stored (log lists it first)
      if (!noBases) {
        Optional<VersionId> newest =
            lastId.or(() -> existing.stream().findFirst().map(VersionInfo::id));
        Optional<String> key;
        Ref ref;
        if (newest.isPresent()) {
          ref = Ref.version(newest.get().path(), newest.get().number());
          key = single.isPresent() ? single : storedLayout(stash, ref);
        } else {
          // a dry run stored nothing: the newest file stands for the version it would be
          ref = Ref.latest(e.getKey());
          key = single.isPresent() ? single : layout(items.get(items.size() - 1).file(), stash);
        }
        key.ifPresent(k -> bases.putIfAbsent(k, ref));
      }
    }
    err()
        .println(
            (dryRun ? "would import " : "imported ")
                + imported
                + " files"
                + (skipped > 0 ? ", skipped " + skipped + " already imported" : ""));
    return ExitCode.OK;
  }

  private Item item(Path f, Optional<ModelPath> prefix) throws IOException {
    Path rel = root.relativize(f);
    List<String> segments = new ArrayList<>();
    prefix.ifPresent(p -> segments.addAll(p.segments()));
    List<Long> counters = new ArrayList<>();
    String timestamp = null;
    for (int k = 0; k < rel.getNameCount() - 1; k++) {
      String folder = rel.getName(k).toString();
      Matcher counter = COUNTER.matcher(folder);
      if (timestamp == null && TIMESTAMP_FOLDER.matcher(folder).matches()) {
        timestamp = folder;
      } else if (NUMBER.matcher(folder).matches()) {
        counters.add(Long.parseLong(folder));
      } else if (counter.matches() && counter.group(1) == null) {
        counters.add(Long.parseLong(counter.group(3)));
      } else {
        segments.add(safe(folder));
      }
    }
    String stem = rel.getFileName().toString();
    while (EXTENSION.matcher(stem).find() && stem.lastIndexOf('.') > 0) {
      stem = stem.substring(0, stem.lastIndexOf('.'));
    }
    Matcher counter = COUNTER.matcher(stem);
    if (counter.matches()) {
      counters.add(Long.parseLong(counter.group(3)));
      stem = counter.group(1) == null ? "" : counter.group(1);
      if (stem.isEmpty() && segments.isEmpty()) {
        stem = counter.group(2).toLowerCase(Locale.ROOT);
      }
    }
    if (!stem.isEmpty()) {
      segments.add(safe(stem));
    }
    String relative = rel.toString().replace(java.io.File.separatorChar, '/');
    return new Item(
        f,
        relative,
        ModelPath.of(segments.get(0), segments.subList(1, segments.size()).toArray(String[]::new)),
        timestamp,
        List.copyOf(counters),
        Files.getLastModifiedTime(f));
  }

  private static int compareCounters(List<Long> a, List<Long> b) {
    if (a.isEmpty() != b.isEmpty()) {
      return a.isEmpty() ? 1 : -1;
    }
    for (int k = 0; k < Math.min(a.size(), b.size()); k++) {
      int c = Long.compare(a.get(k), b.get(k));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static String safe(String segment) {
    String s = UNSAFE.matcher(segment).replaceAll("_");
    return s.equals(".") || s.equals("..") ? "_" + s : s;
  }

  private static String digits(String timestamp) {
    return timestamp.replaceAll("\\D", "");
  }

  /**
   * The names, dtypes and shapes of the file's tensors, in file order, if the weights-only reader
   * accepts it and it has any. A large gzip file is inflated into the store's own temporary folder,
   * as a put does, not into the system's (often a small, memory-backed /tmp).
   */
  private static Optional<String> layout(Path file, ModelStash stash) {
    StringBuilder key = new StringBuilder();
    try (ByteSource src = io.modelstash.cli.Files.openChecked(file);
        Checkpoint c = Checkpoints.read(src, stash.directory().resolve("tmp"))) {
      for (Tensor t : c.tensors()) {
        addToLayout(key, t.name(), t.dtype().torchName(), t.shape());
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // a file the reader refuses is imported without a base
    }
    return key.length() == 0 ? Optional.empty() : Optional.of(key.toString());
  }

  /**
   * {@link #layout} of a stored version, from the tensor table of its manifest (written in file
   * order when the file was put) rather than by reading the file again.
   */
  private static Optional<String> storedLayout(ModelStash stash, Ref ref) throws IOException {
    StringBuilder key = new StringBuilder();
    for (StoredTensor t : stash.tensors(ref)) {
      addToLayout(key, t.name(), t.dtypeName(), t.shape());
    }
    return key.length() == 0 ? Optional.empty() : Optional.of(key.toString());
  }

  private static void addToLayout(StringBuilder key, String name, String dtype, long[] shape) {
    key.append(name).append('|').append(dtype).append('|').append(Arrays.toString(shape));
    key.append('\n');
  }

  private static List<VersionInfo> existing(ModelStash stash, ModelPath path) throws IOException {
    return stash.list(Optional.of(path)).stream().anyMatch(s -> s.path().equals(path))
        ? stash.log(path)
        : List.of();
  }

  private static boolean alreadyImported(List<VersionInfo> existing, Item i) throws IOException {
    List<VersionInfo> same =
        existing.stream().filter(v -> i.relative().equals(v.params().get(SOURCE))).toList();
    if (same.isEmpty()) {
      return false;
    }
    Digest sha;
    try (InputStream in = Files.newInputStream(i.file())) {
      sha = Digest.of(in);
    }
    return same.stream().anyMatch(v -> v.fileSha256().equals(sha));
  }
}
