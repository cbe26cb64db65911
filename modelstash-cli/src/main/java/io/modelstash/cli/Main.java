package io.modelstash.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.modelstash.format.FormatException;
import io.modelstash.store.ModelStash;
import io.modelstash.store.StoreException;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.catalog.CatalogException;
import io.modelstash.store.catalog.Notices;
import io.modelstash.store.name.InvalidNameException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code modelstash} command. Commands are thin: errors map to exit codes here only. */
@Command(
    name = "modelstash",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Stores PyTorch checkpoints efficiently and restores them byte-exact.",
    footer = {
      "",
      "bin/modelstash runs commands in a daemon JVM that stays warm between them.",
      "'modelstash daemon status' lists the running daemons, 'modelstash daemon stop'",
      "stops them, and MODELSTASH_DAEMON=0 runs each command in a JVM of its own."
    })
public final class Main {
  /**
   * The subcommands, in the order help lists them. A run builds picocli's model (by reflection, the
   * larger part of a command's start-up) only for the one it runs; help and mistakes get all.
   */
  private static final List<Class<?>> COMMANDS =
      List.of(
          QuickstartCommand.class,
          InitCommand.class,
          PutCommand.class,
          GetCommand.class,
          LsCommand.class,
          LogCommand.class,
          ShowCommand.class,
          TagCommand.class,
          UntagCommand.class,
          RmCommand.class,
          GcCommand.class,
          VerifyCommand.class,
          RepairCommand.class,
          DiffCommand.class,
          TensorsCommand.class,
          CatTensorCommand.class,
          StatsCommand.class,
          ImportCommand.class,
          ExportCommand.class,
          MigrateCommand.class,
          InspectCommand.class,
          ConvertCommand.class,
          CommandLine.HelpCommand.class);

  /** Options of this command that take a value, which the subcommand's name cannot be. */
  private static final Set<String> VALUED = valuedOptions();

  private static Set<String> valuedOptions() {
    Set<String> out = new HashSet<>();
    for (Field f : Main.class.getDeclaredFields()) {
      Option o = f.getAnnotation(Option.class);
      if (o != null && f.getType() != boolean.class) {
        out.addAll(List.of(o.names()));
      }
    }
    return out;
  }

  @Option(
      names = "--store",
      paramLabel = "DIR",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "The store directory (default: $MODELSTASH_STORE, else ~/.modelstash); created on first"
              + " use.")
  Path store;

  @Option(
      names = "--catalog",
      paramLabel = "URL",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "A team store's catalog: postgresql://[user[:password]@]host[:port]/database[?schema=s]"
              + " (default: $MODELSTASH_CATALOG, else the config file); needs --blobs.")
  String catalog;

  @Option(
      names = "--blobs",
      paramLabel = "URL",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "A team store's chunks and manifests: s3://bucket[/prefix] or a folder (default:"
              + " $MODELSTASH_BLOBS, else the config file); needs --catalog.")
  String blobs;

  @Option(
      names = "--s3-endpoint",
      paramLabel = "URL",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "An S3-compatible server (MinIO, Ceph, ...), e.g. http://host:9000 (default:"
              + " $MODELSTASH_S3_ENDPOINT, else AWS's own). Credentials and region come from the"
              + " usual AWS settings.")
  String s3Endpoint;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "A properties file with catalog, blobs, s3.endpoint or store (default:"
              + " $MODELSTASH_CONFIG, else ~/.config/modelstash/config.properties if it exists).")
  Path config;

  @Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Show stack traces for errors.")
  boolean verbose;

  /** The directory, streams and terminal of the process this run works for (set on creation). */
  Invocation io;

  /** Where this invocation's store is, from options, environment and config file. */
  StoreLocation location() {
    return StoreLocation.resolve(
        store,
        catalog,
        blobs,
        s3Endpoint,
        config,
        System.getenv(),
        Path.of(System.getProperty("user.home")),
        io.cwd());
  }

  /** The store directory this invocation uses; only a local store has one. */
  Path storeDirectory() {
    StoreLocation where = location();
    if (where.isSplit()) {
      throw new UserException(
          ExitCode.USAGE,
          "This command works on a local store directory only (--store DIR), not on "
              + where.describe());
    }
    return where.directory().orElseThrow();
  }

  /** Opens the store; the caller closes it. */
  ModelStash openStore() throws IOException {
    return Stores.open(location());
  }

  public static void main(String[] args) {
    NativeLibraries.useCache();
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code, without exiting. */
  public static int run(String... args) {
    CommandLine cli = commandLine(args);
    return execute(cli, cli.getErr(), Main::relativeHere, args);
  }

  /** Runs the command line with the given output and error streams. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = commandLine(args);
    cli.setOut(out);
    cli.setErr(err);
    return execute(cli, err, Main::relativeHere, args);
  }

  /** A message with the paths under this JVM's directory relative to it, as the user typed them. */
  private static String relativeHere(String message) {
    return Invocation.relative(Path.of("").toAbsolutePath(), message);
  }

  /**
   * Executes {@code args}; slow one-off steps the user did not ask for (a catalog upgrade) say so
   * on {@code err} before they start, with paths shortened by {@code shorten}.
   */
  private static int execute(
      CommandLine cli, PrintWriter err, UnaryOperator<String> shorten, String[] args) {
    Notices.Scope notices =
        Notices.to(
            n -> {
              err.println("modelstash: " + shorten.apply(n));
              err.flush();
            });
    try {
      return cli.execute(args);
    } finally {
      notices.close();
    }
  }

  /**
   * Runs the command line for another process: paths resolve against its directory, and output,
   * errors, progress and {@code -} go to its streams.
   */
  static int run(Invocation io, String... args) {
    args = args.clone();
    for (int i = 0; i < args.length; i++) {
      // picocli reads an existing @FILE's lines as arguments, relative to this JVM's directory
      if (args[i].length() > 1 && args[i].startsWith("@") && !args[i].startsWith("@@")) {
        Path file = io.path(args[i].substring(1));
        if (Files.isRegularFile(file)) {
          args[i] = "@" + file;
        }
      }
    }
    CommandLine cli = commandLine(io, subcommand(args));
    PrintWriter out = new PrintWriter(new OutputStreamWriter(io.stdout(), UTF_8));
    PrintWriter err = new PrintWriter(new OutputStreamWriter(io.stderr(), UTF_8), true);
    cli.setOut(out);
    cli.setErr(err);
    try {
      return execute(cli, err, io::relative, args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The command line for {@code args}: with only the subcommand they name, if they name one. */
  static CommandLine commandLine(String... args) {
    return commandLine(Invocation.direct(), subcommand(args));
  }

  /**
   * The subcommand {@code args} name: the first argument that is neither an option of this command
   * nor its value. Empty when there is none or it is not a subcommand's name (help, a typo).
   */
  static Optional<String> subcommand(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--")) {
        return Optional.empty();
      }
      if (a.startsWith("-")) {
        if (VALUED.contains(a)) {
          i++;
        }
        continue;
      }
      for (Class<?> c : COMMANDS) {
        if (c != CommandLine.HelpCommand.class && name(c).equals(a)) {
          return Optional.of(a);
        }
      }
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static String name(Class<?> command) {
    return command.getAnnotation(Command.class).name();
  }

  private static CommandLine commandLine(Invocation io, Optional<String> only) {
    Main main = new Main();
    main.io = io;
    CommandLine cli = new CommandLine(main);
    for (Class<?> c : COMMANDS) {
      if (only.isEmpty() || only.get().equals(name(c))) {
        cli.addSubcommand(c);
      }
    }
    cli.registerConverter(Path.class, io::path); // after the subcommands, so they get it too
    for (CommandLine sub : cli.getSubcommands().values()) {
      sub.getCommandSpec().mixinStandardHelpOptions(true); // 'modelstash put --help'
    }
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> report(ex, commandLine, main.verbose, io));
    cli.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("modelstash: " + io.relative(ex.getMessage()));
          err.println(
              "Run '"
                  + ex.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help' for usage.");
          return ExitCode.USAGE;
        });
    return cli;
  }

  private static int report(Exception ex, CommandLine cli, boolean verbose, Invocation io) {
    PrintWriter err = cli.getErr();
    Throwable e = ex instanceof UncheckedIOException ? ex.getCause() : ex;
    int code;
    String message;
    if (e instanceof UserException) {
      code = ((UserException) e).exitCode();
      message = e.getMessage();
    } else if (e instanceof StoreException) {
      StoreException.Kind kind = ((StoreException) e).kind();
      code =
          kind == StoreException.Kind.NOT_FOUND
              ? ExitCode.NOT_FOUND
              : kind == StoreException.Kind.CORRUPT
                  ? ExitCode.CORRUPT
                  : kind == StoreException.Kind.REFUSED ? ExitCode.REFUSED : ExitCode.IO;
      message = e.getMessage();
    } else if (e instanceof InvalidNameException) {
      code = ExitCode.USAGE;
      message = e.getMessage();
    } else if (e instanceof CorruptObjectException) {
      code = ExitCode.CORRUPT;
      message = e.getMessage();
    } else if (e instanceof CatalogException) {
      code = ExitCode.IO;
      message = e.getMessage();
    } else if (e instanceof FormatException) {
      code = ExitCode.BAD_INPUT;
      message = e.getMessage();
    } else if (e instanceof NoSuchFileException || e instanceof FileNotFoundException) {
      code = ExitCode.IO;
      message = "No such file: " + e.getMessage();
    } else if (e instanceof AccessDeniedException) {
      code = ExitCode.IO;
      message = "Permission denied: " + e.getMessage();
    } else if (e instanceof FileAlreadyExistsException) {
      code = ExitCode.IO;
      message = "Already exists: " + e.getMessage() + " (use --force to replace it)";
    } else if (isDiskFull(e)) {
      code = ExitCode.IO;
      message = "No space left on device: " + e.getMessage() + " (nothing was committed)";
    } else if (e instanceof IOException) {
      code = ExitCode.IO;
      message = "I/O error: " + e.getMessage();
    } else if (e instanceof OutOfMemoryError) {
      code = ExitCode.INTERNAL;
      message = "Out of memory (raise -Xmx through MODELSTASH_JAVA_OPTS)";
    } else {
      code = ExitCode.INTERNAL;
      message = "Internal error: " + e + " (please report it; --verbose shows details)";
    }
    err.println("modelstash: " + io.relative(message));
    if (verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  private static boolean isDiskFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException
          && t.getMessage() != null
          && t.getMessage().contains("No space left on device")) {
        return true;
      }
    }
    return false;
  }

  /** Reports the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"modelstash " + (v == null ? "development build" : v)};
    }
  }
}
