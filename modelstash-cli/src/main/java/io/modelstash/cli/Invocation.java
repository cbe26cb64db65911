package io.modelstash.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * What one run of a command sees of the process that asked for it: its working directory, its
 * standard streams and whether a person is at a terminal. A run in its own JVM sees that JVM's; a
 * run in the {@link Daemon} sees its client's, so relative paths and {@code -} mean what they mean
 * in the user's shell.
 *
 * @param cwd what relative paths are resolved against; the empty path in a JVM of its own, which
 *     leaves them relative to the process's directory
 * @param interactive whether standard input and output are a terminal, as {@link System#console()}
 *     tells for a JVM of its own
 * @param columns the width of the terminal standard error goes to, or 0 when this process can ask
 *     the terminal itself (a JVM of its own) or there is none
 */
record Invocation(
    Path cwd,
    InputStream stdin,
    OutputStream stdout,
    PrintStream stderr,
    boolean interactive,
    int columns) {

  /** This JVM's own directory and streams. */
  static Invocation direct() {
    return new Invocation(
        Path.of(""), System.in, System.out, System.err, System.console() != null, 0);
  }

  /** A path the user typed, resolved as their shell would. */
  Path path(String typed) {
    return cwd.resolve(typed);
  }

  /**
   * A message with the paths under the working directory shown relative to it. A daemon resolves
   * the paths a user typed against the client's directory, so without this its messages would name
   * {@code /home/me/run/ckpt.pt} where the user typed, and a JVM of its own says, {@code ckpt.pt}.
   * (An absolute path the user typed under that directory is shortened the same way.)
   */
  String relative(String message) {
    return relative(cwd, message);
  }

  /** {@code message} with the paths under the absolute directory {@code dir} relative to it. */
  static String relative(Path dir, String message) {
    if (!dir.isAbsolute() || dir.getParent() == null) {
      return message;
    }
    return message.replace(dir + java.io.File.separator, "");
  }
}
