package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.lifecycle.GcOptions;
import io.modelstash.store.lifecycle.GcReport;
import io.modelstash.store.lifecycle.RetentionPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash gc}: retention rules, then sweeping data no version needs. */
@Command(
    name = "gc",
    description = {
      "Remove versions by retention rules, then delete data no version needs.",
      "Keep rules combine: a version goes only if no rule keeps it, it has no alias, and it is"
          + " older than --older-than when given. Without rules only unreferenced data goes."
    })
final class GcCommand extends StoreCommand {
  @Parameters(
      arity = "0..1",
      paramLabel = "PREFIX",
      description = "Apply the rules only to paths under this one (sweeping is store-wide).")
  String prefix;

  @Option(names = "--keep-last", paramLabel = "N", description = "Keep the newest N of each path.")
  Integer keepLast;

  @Option(
      names = "--keep-best",
      paramLabel = "K:METRIC[:max]",
      converter = KeepBestConverter.class,
      description = "Keep the K best of each path by METRIC, lowest unless :max (repeatable).")
  List<RetentionPolicy.KeepBest> keepBest = new ArrayList<>();

  @Option(
      names = "--keep-every",
      paramLabel = "N",
      description = "Keep versions whose number is a multiple of N.")
  Integer keepEvery;

  @Option(
      names = "--older-than",
      paramLabel = "DURATION",
      converter = Durations.class,
      description = "Remove only versions older than this (30d, 12h, 1h30m).")
  Duration olderThan;

  @Option(
      names = "--grace",
      paramLabel = "DURATION",
      converter = Durations.class,
      description =
          "Leave data unreferenced (or written by an unfinished put) for less than this;"
              + " default 1h.")
  Duration grace = GcOptions.DEFAULT_GRACE;

  @Option(names = "--dry-run", description = "Show what would go and be freed; change nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  static final class KeepBestConverter
      implements CommandLine.ITypeConverter<RetentionPolicy.KeepBest> {
    @Override
    public RetentionPolicy.KeepBest convert(String value) {
      try {
        return RetentionPolicy.KeepBest.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  @Override
  int run(ModelStash stash) throws IOException {
    RetentionPolicy policy;
    GcOptions options;
    try {
      policy =
          new RetentionPolicy(
              keepLast == null ? OptionalInt.empty() : OptionalInt.of(keepLast),
              keepBest,
              keepEvery == null ? OptionalInt.empty() : OptionalInt.of(keepEvery),
              Optional.ofNullable(olderThan));
      options =
          new GcOptions(Optional.ofNullable(prefix).map(StoreCommand::path), policy, grace, dryRun);
    } catch (IllegalArgumentException e) {
      throw new UserException(ExitCode.USAGE, e.getMessage());
    }
    GcReport r = stash.gc(options);
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("dry_run", r.dryRun());
      List<Map<String, Object>> versions = new ArrayList<>();
      for (VersionInfo v : r.versions()) {
        versions.add(Output.version(v));
      }
      doc.put("versions", versions);
      doc.put("skipped", r.skipped().stream().map(Object::toString).toList());
      doc.put("chunks", r.chunks().size());
      doc.put("chunk_bytes", r.chunkBytes());
      doc.put("manifests", r.manifests());
      doc.put("manifest_bytes", r.manifestBytes());
      doc.put("records", r.records());
      doc.put("record_bytes", r.recordBytes());
      doc.put("bytes_freed", r.bytesFreed());
      doc.put("bases_kept", r.basesKept());
      Output.json(out(), doc);
      return ExitCode.OK;
    }
    PrintWriter out = out();
    String verb = r.dryRun() ? "would remove" : "removed";
    if (policy.hasRules()) {
      out.println(verb + " " + r.versions().size() + " version" + plural(r.versions().size()));
      for (VersionInfo v : r.versions()) {
        out.println(
            "  " + v.id() + "  " + Output.time(v.createdAt()) + "  " + Output.metrics(v.metrics()));
      }
    }
    for (Object id : r.skipped()) {
      out.println("kept " + id + ": it gained an alias meanwhile");
    }
    out.println(
        (r.dryRun() ? "would free " : "freed ")
            + Table.bytes(r.bytesFreed())
            + ": "
            + r.chunks().size()
            + " chunk"
            + plural(r.chunks().size())
            + " ("
            + Table.bytes(r.chunkBytes())
            + "), "
            + r.manifests()
            + " manifest"
            + plural(r.manifests())
            + " ("
            + Table.bytes(r.manifestBytes())
            + "), "
            + r.records()
            + " version record"
            + plural(r.records())
            + " ("
            + Table.bytes(r.recordBytes())
            + ")");
    if (r.basesKept() > 0) {
      out.println(
          "kept "
              + r.basesKept()
              + " unreferenced chunk"
              + plural(r.basesKept())
              + " that remaining deltas are based on");
    }
    return ExitCode.OK;
  }

  private static String plural(long n) {
    return n == 1 ? "" : "s";
  }
}
