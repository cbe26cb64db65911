package io.modelstash.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon as its client sees it, spoken to over its socket in this JVM. */
class DaemonTest {
  private static final Path CHECKPOINT =
      Path.of("src", "main", "resources", "quickstart", "checkpoint_epoch1.pt").toAbsolutePath();

  @TempDir Path dir;

  private Path socket;
  private Daemon daemon;
  private final BlockingQueue<Integer> exits = new LinkedBlockingQueue<>();
  private Thread serving;

  @BeforeEach
  void start() throws IOException {
    startWithIdle(3600);
  }

  private void startWithIdle(long seconds) throws IOException {
    socket = dir.resolve("d" + seconds + ".sock");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Path jar = Files.writeString(dir.resolve("fake.jar"), "v1");
    daemon = new Daemon(server, socket, seconds, jar, exits::add);
    serving =
        new Thread(
            () -> {
              try {
                daemon.serve();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    serving.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    daemon.close();
    serving.join(5000);
  }

  /** What the client saw of one command. */
  record Reply(boolean started, boolean busy, int code, String out, byte[] outBytes, String err) {}

  /** A client: connects, sends the request, and answers a read request with {@code stdin}. */
  private final class Client implements AutoCloseable {
    final SocketChannel ch;

    Client(Path cwd, String... args) throws IOException {
      this(cwd, 0, args);
    }

    /** A client at a terminal {@code columns} wide, or not at one if that is 0. */
    Client(Path cwd, int columns, String... args) throws IOException {
      ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      head.write(Daemon.MAGIC);
      head.write(columns > 0 ? 1 : 0);
      head.write(ByteBuffer.allocate(2).putShort((short) columns).array());
      string(head, cwd.toString());
      head.write(ByteBuffer.allocate(4).putInt(args.length).array());
      for (String a : args) {
        string(head, a);
      }
      try {
        ch.write(ByteBuffer.wrap(head.toByteArray()));
      } catch (IOException e) {
        // a busy daemon answers without reading the request; its answer is still there to read
      }
    }

    private void string(ByteArrayOutputStream out, String s) throws IOException {
      byte[] b = s.getBytes(UTF_8);
      out.write(ByteBuffer.allocate(4).putInt(b.length).array());
      out.write(b);
    }

    /** The next frame's kind and payload. */
    Object[] frame() throws IOException {
      byte kind = Daemon.readFully(ch, 1)[0];
      return new Object[] {kind, Daemon.readFully(ch, Daemon.readInt(ch))};
    }

    void sendStdin(byte[] data) throws IOException {
      for (int at = 0; at < data.length; at += 1 << 16) {
        int n = Math.min(1 << 16, data.length - at);
        byte[] part = java.util.Arrays.copyOfRange(data, at, at + n);
        Daemon.send(ch, Daemon.STDIN, part);
      }
      Daemon.send(ch, Daemon.STDIN, new byte[0]);
    }

    Reply finish(byte[] stdin) throws IOException {
      boolean started = false;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      while (true) {
        Object[] f;
        try {
          f = frame();
        } catch (java.io.EOFException e) {
          return new Reply(
              started, false, -1, out.toString(UTF_8), out.toByteArray(), err.toString(UTF_8));
        }
        byte kind = (byte) f[0];
        byte[] payload = (byte[]) f[1];
        switch (kind) {
          case Daemon.STARTED -> started = true;
          case Daemon.BUSY -> {
            return new Reply(false, true, -1, "", new byte[0], "");
          }
          case Daemon.STDOUT -> out.write(payload);
          case Daemon.STDERR -> err.write(payload);
          case Daemon.READ_STDIN -> sendStdin(stdin);
          case Daemon.EXIT -> {
            return new Reply(
                started,
                false,
                ByteBuffer.wrap(payload).getInt(),
                out.toString(UTF_8),
                out.toByteArray(),
                err.toString(UTF_8));
          }
          default -> throw new AssertionError("unexpected frame " + (char) kind);
        }
      }
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  private Reply run(Path cwd, String... args) throws IOException {
    return run(cwd, new byte[0], args);
  }

  private Reply run(Path cwd, byte[] stdin, String... args) throws IOException {
    try (Client c = new Client(cwd, args)) {
      return c.finish(stdin);
    }
  }

  @Test
  void relativePathsMeanTheClientsDirectory() throws IOException {
    Path work = Files.createDirectories(dir.resolve("work"));
    Files.copy(CHECKPOINT, work.resolve("ckpt.pt"));

    Reply put = run(work, "--store", "store", "put", "proj/model", "ckpt.pt");
    assertThat(put.started()).isTrue();
    assertThat(put.code()).as(put.err()).isZero();
    assertThat(put.out()).isEqualTo("proj/model@1\n");
    assertThat(work.resolve("store")).isDirectory();

    Reply get = run(work, "--store", "store", "get", "proj/model@1", "-o", "back.pt");
    assertThat(get.code()).as(get.err()).isZero();
    assertThat(work.resolve("back.pt")).hasSameBinaryContentAs(CHECKPOINT);
    assertThat(exits).isEmpty();
  }

  @Test
  void standardInputAndOutputAreTheClients() throws IOException {
    byte[] file = Files.readAllBytes(CHECKPOINT);
    Reply put = run(dir, file, "--store", "s", "put", "proj/model", "-");
    assertThat(put.code()).as(put.err()).isZero();

    Reply get = run(dir, "--store", "s", "get", "proj/model", "-o", "-");
    assertThat(get.code()).as(get.err()).isZero();
    assertThat(get.outBytes()).isEqualTo(file);
  }

  @Test
  void progressBarsFitTheClientsTerminal() throws IOException {
    byte[] big = new byte[9 << 20];
    new java.util.Random(7).nextBytes(big);
    Files.write(dir.resolve("big.bin"), big);
    Reply put;
    try (Client c = new Client(dir, 50, "--store", "s", "put", "proj/blob", "big.bin")) {
      put = c.finish(new byte[0]);
    }
    assertThat(put.code()).as(put.err()).isZero();
    // the file is read twice (hash, then store); the bar counts it once
    assertThat(put.err()).as("a bar was drawn").contains("9/9 MiB");
    // the library pads every redraw to its width; a bar 80 wide would wrap on this terminal
    for (String line : put.err().split("[\\r\\n]")) {
      assertThat(line.length()).as(line).isLessThan(50);
    }
  }

  @Test
  void errorsNamePathsAsTheUserTypedThem() throws IOException {
    Path work = Files.createDirectories(dir.resolve("work"));
    Reply missing = run(work, "--store", "store", "put", "proj/model", "sub/missing.pt");
    assertThat(missing.code()).isEqualTo(ExitCode.IO);
    assertThat(missing.err()).isEqualTo("modelstash: No such file: sub/missing.pt\n");
    // a path outside the client's directory stays as it is
    Path elsewhere = dir.resolve("elsewhere.pt");
    Reply outside = run(work, "--store", "store", "put", "proj/model", elsewhere.toString());
    assertThat(outside.err()).isEqualTo("modelstash: No such file: " + elsewhere + "\n");
  }

  @Test
  void errorsKeepTheirExitCodeAndMessage() throws IOException {
    run(dir, "--store", "s", "init");
    Reply r = run(dir, "--store", "s", "get", "no/such@3", "-o", "x.pt");
    assertThat(r.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(r.err()).startsWith("modelstash: ").contains("no/such");
    assertThat(run(dir, "put").code()).isEqualTo(ExitCode.USAGE);
    assertThat(exits).as("a user's mistake is no reason to restart").isEmpty();
  }

  @Test
  void aSecondClientIsToldBusyBeforeAnythingIsDone() throws Exception {
    byte[] file = Files.readAllBytes(CHECKPOINT);
    try (Client first = new Client(dir, "--store", "s", "put", "proj/model", "-")) {
      assertThat((byte) first.frame()[0]).isEqualTo(Daemon.STARTED);
      assertThat((byte) first.frame()[0]).isEqualTo(Daemon.READ_STDIN); // running, waiting for us

      Reply second = run(dir, "--store", "s", "put", "proj/other", CHECKPOINT.toString());
      assertThat(second.busy()).isTrue();
      assertThat(second.started()).isFalse();

      first.sendStdin(file);
      Reply r = first.finish(new byte[0]);
      assertThat(r.code()).as(r.err()).isZero();
    }
    Reply log = run(dir, "--store", "s", "ls");
    assertThat(log.out()).contains("proj/model").doesNotContain("proj/other");
    Reply again = run(dir, "--store", "s", "put", "proj/other", CHECKPOINT.toString());
    assertThat(again.code()).as("free again after the first command").isZero();
  }

  @Test
  void aClientThatLeavesMidCommandEndsTheDaemonAsCtrlCWouldEndAJvm() throws Exception {
    try (Client c = new Client(dir, "--store", "s", "put", "proj/model", "-")) {
      assertThat((byte) c.frame()[0]).isEqualTo(Daemon.STARTED);
      assertThat((byte) c.frame()[0]).isEqualTo(Daemon.READ_STDIN);
    }
    assertThat(exits.poll(10, TimeUnit.SECONDS)).isEqualTo(130);
    assertThat(socket).doesNotExist();
  }

  @Test
  void anIdleDaemonLeavesAndRemovesItsSocket() throws Exception {
    daemon.close();
    serving.join(5000);
    startWithIdle(1);
    assertThat(run(dir, "--version").code()).isZero();
    assertThat(exits.poll(10, TimeUnit.SECONDS)).isEqualTo(0);
    assertThat(socket).doesNotExist();
  }

  @Test
  void aRebuiltJarEndsTheDaemon() throws Exception {
    assertThat(run(dir, "--version").out()).startsWith("modelstash ");
    Files.writeString(dir.resolve("fake.jar"), "v2, longer");
    assertThat(exits.poll(10, TimeUnit.SECONDS)).isEqualTo(0);
    assertThat(socket).doesNotExist();
  }

  @Test
  void somethingElseOnTheSocketIsTurnedAway() throws Exception {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      ch.write(ByteBuffer.wrap("GET / HTTP/1.0\r\n\r\n".getBytes(UTF_8)));
      int read;
      try {
        read = ch.read(ByteBuffer.allocate(16));
      } catch (java.net.SocketException reset) {
        read = -1; // closed with our bytes unread
      }
      assertThat(read).as("closed without a word").isEqualTo(-1);
    }
    Reply next = run(dir, "--version");
    for (int i = 0; next.busy() && i < 100; i++) { // until it has put the stranger behind it
      Thread.sleep(20);
      next = run(dir, "--version");
    }
    assertThat(next.code()).isZero();
    assertThat(exits).isEmpty();
  }
}
