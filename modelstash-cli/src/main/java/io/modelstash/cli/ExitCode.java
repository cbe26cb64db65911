package io.modelstash.cli;

/** Process exit codes of the modelstash command line; documented in the README. */
public final class ExitCode {
  /** The command did what was asked. */
  public static final int OK = 0;

  /** An unexpected internal failure (a bug): the message says so; {@code --verbose} shows more. */
  public static final int INTERNAL = 1;

  /** The command line was wrong: unknown option, missing argument, invalid value. */
  public static final int USAGE = 2;

  /** An input file is corrupt, hostile, or of a kind modelstash refuses to read. */
  public static final int BAD_INPUT = 3;

  /** A file or directory could not be read or written (missing, permissions, disk full). */
  public static final int IO = 4;

  /** The request cannot be carried out as asked (e.g. the target format cannot express it). */
  public static final int REFUSED = 5;

  /** An unknown model path, version or alias. */
  public static final int NOT_FOUND = 6;

  /** Stored data failed a check: a chunk or manifest is missing or corrupt. */
  public static final int CORRUPT = 7;

  private ExitCode() {}
}
