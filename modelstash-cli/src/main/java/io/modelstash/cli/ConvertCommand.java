package io.modelstash.cli;

import io.modelstash.format.ByteSource;
import io.modelstash.format.Checkpoint;
import io.modelstash.format.Checkpoints;
import io.modelstash.format.FormatException;
import io.modelstash.format.convert.CannotConvertException;
import io.modelstash.format.convert.Converter;
import io.modelstash.format.pickle.PickleWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code modelstash convert IN OUT --to pt|safetensors}. */
@Command(
    name = "convert",
    description = "Convert a checkpoint between the PyTorch zip format and safetensors.")
final class ConvertCommand implements Callable<Integer> {
  enum Target {
    pt,
    safetensors
  }

  enum Compat {
    current,
    v1_13;

    @Override
    public String toString() {
      return this == current ? "current" : "1.13";
    }
  }

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN", description = "The checkpoint to convert.")
  Path in;

  @Parameters(index = "1", paramLabel = "OUT", description = "The file to write.")
  Path out;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "FORMAT",
      description = "Target format: ${COMPLETION-CANDIDATES}.")
  Target to;

  @Option(
      names = "--torch-compat",
      paramLabel = "LEVEL",
      converter = CompatConverter.class,
      description =
          "With --to pt: 'current' (default) or '1.13' to stay within what PyTorch 1.13's"
              + " weights_only loader accepts.")
  Compat compat = Compat.current;

  @Option(
      names = "--copy-shared",
      description = "With --to safetensors: write tensors that share storage as separate copies.")
  boolean copyShared;

  @Option(
      names = "--drop-non-tensors",
      description = "With --to safetensors: leave out values that are not tensors.")
  boolean dropNonTensors;

  @Option(names = "--force", description = "Replace OUT if it exists.")
  boolean force;

  @Override
  public Integer call() throws IOException {
    if (java.nio.file.Files.exists(out) && !force) {
      throw new UserException(
          ExitCode.IO, "Cannot write " + out + ": it exists (use --force to replace it)");
    }
    Path absolute = out.toAbsolutePath();
    Path dir = absolute.getParent();
    Path tmp = java.nio.file.Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
    boolean done = false;
    try (ByteSource src = Files.openChecked(in);
        Checkpoint checkpoint = Checkpoints.read(src)) {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
          OutputStream os =
              new BufferedOutputStream(
                  java.nio.channels.Channels.newOutputStream(channel), 1 << 16)) {
        if (to == Target.pt) {
          Converter.toTorch(
              checkpoint,
              os,
              compat == Compat.current
                  ? PickleWriter.Compat.CURRENT
                  : PickleWriter.Compat.TORCH_1_13);
        } else {
          Converter.toSafetensors(
              checkpoint, os, new Converter.SafetensorsOptions(copyShared, dropNonTensors));
        }
        os.flush();
        channel.force(true);
      }
      java.nio.file.Files.move(
          tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      done = true;
    } catch (CannotConvertException e) {
      throw new UserException(ExitCode.REFUSED, e.getMessage());
    } catch (FormatException e) {
      throw new UserException(ExitCode.BAD_INPUT, in + ": " + e.getMessage());
    } finally {
      if (!done) {
        java.nio.file.Files.deleteIfExists(tmp);
      }
    }
    spec.commandLine().getOut().println("wrote " + out + " (" + to + ")");
    spec.commandLine().getOut().flush();
    return ExitCode.OK;
  }

  /** Accepts {@code current} and {@code 1.13}. */
  static final class CompatConverter implements picocli.CommandLine.ITypeConverter<Compat> {
    @Override
    public Compat convert(String value) {
      if (value.equals("current")) {
        return Compat.current;
      }
      if (value.equals("1.13")) {
        return Compat.v1_13;
      }
      throw new picocli.CommandLine.TypeConversionException(
          "expected 'current' or '1.13', got '" + value + "'");
    }
  }
}
