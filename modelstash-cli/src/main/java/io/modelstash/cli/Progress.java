package io.modelstash.cli;

import java.util.function.LongConsumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on a terminal, and nothing at all when output goes to a file or a pipe. */
final class Progress implements LongConsumer, AutoCloseable {
  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  /** Shows a bar of {@code total} bytes on the invocation's standard error when interactive. */
  static Progress bytes(Invocation io, String task, long total) {
    return bytes(io, task, total, 1);
  }

  /**
   * Shows a bar for a task that goes over {@code size} bytes {@code passes} times (a put reads its
   * file once to hash it and once to store it); it shows the size, not the sum of the passes.
   */
  static Progress bytes(Invocation io, String task, long size, int passes) {
    if (!io.interactive() || size < (8 << 20)) {
      return new Progress(null);
    }
    ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(passes * size)
            .setUnit(" MiB", (long) passes << 20)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(200)
            .continuousUpdate()
            .setConsumer(
                io.columns() > 0
                    // the client's terminal, one column short as the library's own default keeps
                    ? new ConsoleProgressBarConsumer(io.stderr(), io.columns() - 1)
                    : new ConsoleProgressBarConsumer(io.stderr()))
            .build();
    return new Progress(bar);
  }

  @Override
  public void accept(long n) {
    if (bar != null) {
      bar.stepBy(n);
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
