package io.modelstash.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.modelstash.store.engine.DecodedChunks;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * A JVM that stays up between commands, so that a command costs what its work costs rather than a
 * JVM start and a cold JIT compiler. {@code bin/modelstash} starts one on first use through its
 * client ({@code bin/modelstash-client}) and sends it each command over a UNIX socket in a folder
 * only the user can enter; {@code MODELSTASH_DAEMON=0} runs every command in a JVM of its own.
 *
 * <p>The client names the socket after everything that could make two daemons behave differently:
 * the jar, the JVM options and the environment. A daemon therefore serves only commands that a JVM
 * of their own would run the same way, and it only has to be told the working directory, the
 * arguments and whether a person is at a terminal.
 *
 * <p>It runs one command at a time. A client that finds it busy is told so before anything is done
 * and runs the command in a JVM of its own. It exits after {@code idle} seconds without a command,
 * when its jar changes, after a command ended in an internal error, and when its client goes away
 * before the command ends (Ctrl-C): a command interrupted that way ends as it would have in a JVM
 * of its own, with the process, which the store is built to survive.
 *
 * <p>The protocol, integers big-endian, a string being a u32 length and UTF-8 bytes. The client
 * sends {@code "MSD2"}, a u8 (1 if interactive), a u16 (the width of the terminal its standard
 * error goes to, 0 if none), the working directory, a u32 count and the arguments. Then both sides
 * send frames: a u8 kind, a u32 length and the payload. The daemon sends {@code S} (started; before
 * it, the client may still run the command itself) or {@code B} (busy, nothing done), then {@code
 * O} and {@code E} (standard output and error), {@code R} (the command reads standard input, which
 * the client only then starts to forward) and last {@code X} (the exit status, a u32). The client
 * sends {@code I} (standard input; an empty one ends it).
 */
final class Daemon {
  static final byte[] MAGIC = "MSD2".getBytes(UTF_8);
  static final byte STARTED = 'S';
  static final byte BUSY = 'B';
  static final byte STDOUT = 'O';
  static final byte STDERR = 'E';
  static final byte READ_STDIN = 'R';
  static final byte EXIT = 'X';
  static final byte STDIN = 'I';

  /** Frames of standard output are at most this long; larger writes are split. */
  private static final int FRAME = 1 << 16;

  /** The shared cache of decoded chunks: this, or a quarter of the heap if that is less. */
  private static final long CACHE_BYTES = 512L << 20;

  /** After this long without a command the cache is emptied, so the JVM can give memory back. */
  private static final long FORGET_NANOS = 60_000_000_000L;

  private static final int MAX_ARGS = 10_000;
  private static final int MAX_STRING = 1 << 20;

  private final ServerSocketChannel server;
  private final Path socket;
  private final long idleNanos;
  private final Path jar;
  private final long jarStamp;
  private final IntConsumer exit;
  private final AtomicBoolean busy = new AtomicBoolean();

  /** Held while a command is answered and while the daemon decides to end. */
  private final Object lifecycle = new Object();

  private volatile long lastUse = System.nanoTime();
  private volatile boolean closed;
  private volatile boolean forgotten;

  Daemon(ServerSocketChannel server, Path socket, long idleSeconds, Path jar, IntConsumer exit) {
    this.server = server;
    this.socket = socket;
    this.idleNanos = idleSeconds * 1_000_000_000L;
    this.jar = jar;
    this.jarStamp = stamp(jar);
    this.exit = exit;
  }

  /** {@code Daemon SOCKET IDLE_SECONDS}: serves commands on SOCKET until idle or outdated. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: Daemon SOCKET IDLE_SECONDS");
      System.exit(ExitCode.USAGE);
    }
    NativeLibraries.useCache();
    Path socket = Path.of(args[0]).toAbsolutePath();
    long idle = Long.parseLong(args[1]);
    // Whoever holds the lock owns the socket: a second daemon started for the same socket by a
    // racing client leaves, and the holder may remove a socket file that a dead daemon left.
    FileChannel lockFile =
        FileChannel.open(
            socket.resolveSibling(socket.getFileName() + ".lock"),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
    FileLock lock = lockFile.tryLock();
    for (int i = 0; lock == null && i < 40; i++) { // a daemon that is exiting lets go in a moment
      sleep(50);
      lock = lockFile.tryLock();
    }
    if (lock == null) {
      log("another daemon serves " + socket + "; leaving");
      return;
    }
    // the lock file names the holder, for 'modelstash daemon status' and 'stop'
    lockFile.truncate(0);
    lockFile.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(UTF_8)), 0);
    Files.deleteIfExists(socket);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Path jar = codeSource();
    // the bases a put deltas against are the chunks the previous put wrote: keep them decoded
    DecodedChunks.share(Math.min(CACHE_BYTES, Runtime.getRuntime().maxMemory() / 4));
    log("serving " + socket + " (pid " + ProcessHandle.current().pid() + ", jar " + jar + ")");
    Daemon daemon = new Daemon(server, socket, idle, jar, System::exit);
    Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "modelstash-daemon-close"));
    daemon.serve();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The jar this class was loaded from (a folder of classes in tests). */
  private static Path codeSource() {
    try {
      return Path.of(Daemon.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Accepts clients until the watchdog closes the server. */
  void serve() throws IOException {
    Thread watchdog = new Thread(this::watch, "modelstash-daemon-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    while (true) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (ClosedChannelException e) {
        return; // the watchdog closed the server
      }
      if (!busy.compareAndSet(false, true)) {
        try (client) {
          send(client, BUSY, new byte[0]);
        } catch (IOException e) {
          // the client will run the command itself either way
        }
        continue;
      }
      Thread t = new Thread(() -> runCommand(client), "modelstash-command");
      t.start();
    }
  }

  /** Ends the daemon when it has been idle too long or its jar changed, never during a command. */
  private void watch() {
    while (!closed) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
      if (closed) {
        return;
      }
      long quiet = System.nanoTime() - lastUse;
      if (quiet > FORGET_NANOS && !forgotten && !busy.get()) {
        // an idle daemon keeps little: with the cache emptied, a full collection lets the heap
        // shrink (an S1 series leaves some 600 MiB resident, and 160 MiB after this)
        DecodedChunks.clearShared();
        System.gc();
        forgotten = true;
      }
      boolean idle = quiet > idleNanos;
      boolean outdated = stamp(jar) != jarStamp;
      synchronized (lifecycle) {
        if ((idle || outdated) && busy.compareAndSet(false, true)) {
          log(idle ? "idle; exiting" : "jar changed; exiting");
          close();
          exit.accept(0);
          return;
        }
      }
    }
  }

  /** Stops accepting and removes the socket, so the next client starts a new daemon. */
  void close() {
    closed = true;
    try {
      Files.deleteIfExists(socket);
      server.close();
    } catch (IOException e) {
      log("closing: " + e);
    }
  }

  private void runCommand(SocketChannel client) {
    AtomicBoolean done = new AtomicBoolean();
    boolean released = false;
    try (client) {
      Request request = Request.read(client);
      send(client, STARTED, new byte[0]);
      ClientInput stdin = new ClientInput(client);
      Thread reader =
          new Thread(
              () -> {
                if (!stdin.pump()) {
                  synchronized (lifecycle) {
                    if (!done.get()) {
                      log("client left during a command; exiting as an interrupted JVM would");
                      close();
                      exit.accept(130);
                    }
                  }
                }
              },
              "modelstash-client-reader");
      reader.setDaemon(true);
      reader.start();
      OutputStream stdout = new FrameOutput(client, STDOUT);
      PrintStream stderr = new PrintStream(new FrameOutput(client, STDERR), true, UTF_8);
      Invocation io =
          new Invocation(
              Path.of(request.cwd), stdin, stdout, stderr, request.interactive, request.columns);
      int code = ExitCode.INTERNAL;
      try {
        code = Main.run(io, request.args.toArray(String[]::new));
      } catch (RuntimeException | Error e) {
        stderr.println("modelstash: Internal error: " + e + " (please report it)");
      }
      stdout.flush();
      stderr.flush();
      done.set(true);
      boolean restart = code == ExitCode.INTERNAL;
      // Free before the reply, since a script's next command may follow at once; under the lock,
      // so that the watchdog cannot end the JVM before the reply is out.
      synchronized (lifecycle) {
        released = true;
        release(restart);
        send(client, EXIT, ByteBuffer.allocate(4).putInt(code).array());
      }
      reader.interrupt(); // it may wait to queue input the command never read
      if (restart) {
        exit.accept(0);
      }
    } catch (IOException e) {
      // the client left or spoke nonsense; the reader thread handles a client that left mid-command
      log("request failed: " + e);
    } finally {
      done.set(true);
      if (!released) {
        release(false);
      }
    }
  }

  /**
   * Ends a command: frees the daemon for the next, or, after an internal error, which may have left
   * this JVM in any state, closes it so that the next command gets a new one.
   */
  private void release(boolean restart) {
    lastUse = System.nanoTime();
    forgotten = false;
    if (restart) {
      log("command ended in an internal error; exiting");
      close();
    } else {
      busy.set(false);
    }
  }

  /** What the client asks for. */
  record Request(boolean interactive, int columns, String cwd, List<String> args) {
    static Request read(SocketChannel ch) throws IOException {
      byte[] magic = readFully(ch, MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException("not a modelstash client");
      }
      boolean interactive = readFully(ch, 1)[0] != 0;
      int columns = ByteBuffer.wrap(readFully(ch, 2)).getShort() & 0xffff;
      String cwd = readString(ch);
      if (!Path.of(cwd).isAbsolute()) {
        throw new IOException("working directory is not absolute: " + cwd);
      }
      int n = readInt(ch);
      if (n < 0 || n > MAX_ARGS) {
        throw new IOException("too many arguments: " + n);
      }
      List<String> args = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        args.add(readString(ch));
      }
      return new Request(interactive, columns, cwd, args);
    }

    private static String readString(SocketChannel ch) throws IOException {
      int n = readInt(ch);
      if (n < 0 || n > MAX_STRING) {
        throw new IOException("string too long: " + n);
      }
      return new String(readFully(ch, n), UTF_8);
    }
  }

  /** Standard input from the client, which it starts to forward at the first read. */
  private static final class ClientInput extends InputStream {
    private static final byte[] END = new byte[0];
    private final SocketChannel client;
    private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(64);
    private boolean asked;
    private byte[] chunk;
    private int pos;

    ClientInput(SocketChannel client) {
      this.client = client;
    }

    /** Reads the client's frames until it closes; false if it left before the command ended. */
    boolean pump() {
      try {
        while (true) {
          byte kind = readFully(client, 1)[0];
          int n = readInt(client);
          if (kind != STDIN || n < 0 || n > 16 * FRAME) {
            throw new IOException("unexpected frame from client");
          }
          chunks.put(n == 0 ? END : readFully(client, n));
        }
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!asked) {
        asked = true;
        send(client, READ_STDIN, new byte[0]);
      }
      if (chunk == END) {
        return -1;
      }
      if (chunk == null || pos == chunk.length) {
        try {
          chunk = chunks.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted reading standard input");
        }
        pos = 0;
        if (chunk == END) {
          return -1;
        }
      }
      int n = Math.min(len, chunk.length - pos);
      System.arraycopy(chunk, pos, b, off, n);
      pos += n;
      return n;
    }
  }

  /** Writes to one of the client's output streams, in frames of at most {@link #FRAME} bytes. */
  private static final class FrameOutput extends OutputStream {
    private final SocketChannel client;
    private final byte kind;
    private final byte[] buffer = new byte[FRAME];
    private int count;

    FrameOutput(SocketChannel client, byte kind) {
      this.client = client;
      this.kind = kind;
    }

    @Override
    public void write(int b) throws IOException {
      if (count == buffer.length) {
        flush();
      }
      buffer[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (count == buffer.length) {
          flush();
        }
        int n = Math.min(len, buffer.length - count);
        System.arraycopy(b, off, buffer, count, n);
        count += n;
        off += n;
        len -= n;
      }
    }

    @Override
    public void flush() throws IOException {
      if (count > 0) {
        send(client, kind, Arrays.copyOf(buffer, count));
        count = 0;
      }
    }
  }

  /** Sends one frame; frames from different threads never interleave. */
  static void send(SocketChannel ch, byte kind, byte[] payload) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(5).put(kind).putInt(payload.length).flip();
    ByteBuffer body = ByteBuffer.wrap(payload);
    synchronized (ch) {
      while (head.hasRemaining() || body.hasRemaining()) {
        ch.write(new ByteBuffer[] {head, body});
      }
    }
  }

  static byte[] readFully(SocketChannel ch, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new EOFException("connection closed");
      }
    }
    return b.array();
  }

  static int readInt(SocketChannel ch) throws IOException {
    return ByteBuffer.wrap(readFully(ch, 4)).getInt();
  }

  /** The jar's size and time of change: a rebuilt jar differs in one or both. */
  private static long stamp(Path jar) {
    try {
      return Files.getLastModifiedTime(jar).toMillis() * 31 + Files.size(jar);
    } catch (IOException e) {
      return -1; // gone: a rebuild is under way
    }
  }

  private static void log(String message) {
    System.err.println(Instant.now() + " modelstash daemon: " + message);
  }
}
