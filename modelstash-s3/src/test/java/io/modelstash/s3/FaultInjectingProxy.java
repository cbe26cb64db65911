package io.modelstash.s3;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An HTTP proxy between a client and an S3 server that makes chosen requests fail the way S3 and
 * networks do: 503 SlowDown, 500 InternalError, a connection closed without an answer, or a
 * response cut off in the middle of its body. Everything else passes through unchanged (the Host
 * header included, so AWS signatures stay valid).
 *
 * <p>Each connection carries one request: the proxy asks the server to close after answering, so a
 * fault rule sees every request the client makes, retries included.
 */
final class FaultInjectingProxy implements AutoCloseable {

  /** What to do to a matching request. */
  enum Fault {
    /** Answer 503 SlowDown, as S3 does when throttling. */
    SLOW_DOWN,
    /** Answer 500 InternalError. */
    INTERNAL_ERROR,
    /** Close the connection without answering. */
    DROP,
    /** Forward the request, then cut the response off after half its body (at most 64 KiB). */
    TRUNCATE,
    /**
     * Forward the request and let the server carry it out, then close the connection without
     * passing the answer on: the client cannot know whether the request took effect.
     */
    LOSE_RESPONSE,
    /**
     * Answer 404 NoSuchUpload, as servers do when a multipart upload was completed or aborted
     * already.
     */
    NO_SUCH_UPLOAD
  }

  private final URI upstream;
  private final ServerSocket socket;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final AtomicInteger injected = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private final Deque<Fault> next = new ArrayDeque<>();
  private Fault forever;
  private Predicate<String> matching = line -> false;

  FaultInjectingProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  /** Where clients connect. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort());
  }

  /**
   * Injects {@code fault} into the next {@code times} requests whose request line (e.g. {@code PUT
   * /bucket/key?partNumber=2&uploadId=… HTTP/1.1}) matches; {@code Integer.MAX_VALUE} for ever.
   */
  synchronized void inject(Fault fault, int times, Predicate<String> requestLine) {
    next.clear();
    forever = times == Integer.MAX_VALUE ? fault : null;
    for (int i = 0; forever == null && i < times; i++) {
      next.add(fault);
    }
    matching = requestLine;
  }

  /** Injects {@code faults}, one each, into the next matching requests. */
  synchronized void injectInOrder(Predicate<String> requestLine, Fault... faults) {
    next.clear();
    next.addAll(List.of(faults));
    forever = null;
    matching = requestLine;
  }

  /** How many faults were injected so far. */
  int injected() {
    return injected.get();
  }

  /** How many requests arrived so far. */
  int requests() {
    return requests.get();
  }

  private synchronized Fault decide(String requestLine) {
    if ((next.isEmpty() && forever == null) || !matching.test(requestLine)) {
      return null;
    }
    injected.incrementAndGet();
    return next.isEmpty() ? forever : next.poll();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket client = socket.accept();
        threads.execute(() -> handle(client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void handle(Socket client) {
    try (client) {
      InputStream in = new BufferedInputStream(client.getInputStream());
      List<String> head = readHead(in);
      if (head.isEmpty()) {
        return;
      }
      requests.incrementAndGet();
      String requestLine = head.get(0);
      Fault f = decide(requestLine);
      if (f == Fault.DROP) {
        return;
      }
      if (f == Fault.SLOW_DOWN || f == Fault.INTERNAL_ERROR || f == Fault.NO_SUCH_UPLOAD) {
        if (!expectsContinue(head)) {
          in.skipNBytes(contentLength(head));
        }
        answer(client.getOutputStream(), requestLine, f);
        return;
      }
      forward(client, in, head, f);
    } catch (IOException e) {
      // The client or the server went away; the client sees a broken connection, as it should.
    }
  }

  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        String text = line.toString(StandardCharsets.ISO_8859_1);
        if (text.endsWith("\r")) {
          text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty()) {
          return lines;
        }
        lines.add(text);
        line.reset();
      } else {
        line.write(c);
      }
    }
    return List.of();
  }

  private static String header(List<String> head, String name) {
    for (String h : head.subList(1, head.size())) {
      int colon = h.indexOf(':');
      if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return h.substring(colon + 1).trim();
      }
    }
    return null;
  }

  private static boolean expectsContinue(List<String> head) {
    return "100-continue".equalsIgnoreCase(header(head, "Expect"));
  }

  private static long contentLength(List<String> head) {
    String v = header(head, "Content-Length");
    return v == null ? 0 : Long.parseLong(v);
  }

  private static void answer(OutputStream out, String requestLine, Fault f) throws IOException {
    String status;
    String code;
    String message;
    if (f == Fault.SLOW_DOWN) {
      status = "503 Slow Down";
      code = "SlowDown";
      message = "Please reduce your request rate.";
    } else if (f == Fault.INTERNAL_ERROR) {
      status = "500 Internal Server Error";
      code = "InternalError";
      message = "We encountered an internal error.";
    } else {
      status = "404 Not Found";
      code = "NoSuchUpload";
      message = "The specified multipart upload does not exist.";
    }
    String body = "<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>";
    boolean hasBody = !requestLine.startsWith("HEAD ");
    byte[] bytes = hasBody ? body.getBytes(StandardCharsets.UTF_8) : new byte[0];
    String response =
        "HTTP/1.1 "
            + status
            + "\r\nContent-Type: application/xml\r\nContent-Length: "
            + bytes.length
            + "\r\nConnection: close\r\n\r\n";
    out.write(response.getBytes(StandardCharsets.ISO_8859_1));
    out.write(bytes);
    out.flush();
  }

  private void forward(Socket client, InputStream in, List<String> head, Fault fault)
      throws IOException {
    try (Socket server = new Socket(upstream.getHost(), upstream.getPort())) {
      OutputStream toServer = server.getOutputStream();
      StringBuilder request = new StringBuilder(head.get(0)).append("\r\n");
      for (String h : head.subList(1, head.size())) {
        if (!h.toLowerCase(Locale.ROOT).startsWith("connection:")) {
          request.append(h).append("\r\n");
        }
      }
      request.append("Connection: close\r\n\r\n");
      toServer.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      toServer.flush();
      threads.execute(() -> pipe(in, toServer));
      InputStream fromServer = new BufferedInputStream(server.getInputStream());
      OutputStream toClient = client.getOutputStream();
      if (fault == null) {
        fromServer.transferTo(toClient);
        return;
      }
      List<String> response = readHead(fromServer);
      // A 100 Continue comes before the real answer: pass it on and read on.
      while (!response.isEmpty() && response.get(0).contains(" 100 ")) {
        writeHead(toClient, response);
        toClient.flush();
        response = readHead(fromServer);
      }
      if (fault == Fault.LOSE_RESPONSE) {
        // The server closes after answering; once it has, the request took effect.
        fromServer.transferTo(OutputStream.nullOutputStream());
        return;
      }
      writeHead(toClient, response);
      long cut = Math.min(contentLength(response) / 2, 64 * 1024);
      toClient.write(fromServer.readNBytes((int) cut));
      toClient.flush();
    }
  }

  private static void writeHead(OutputStream out, List<String> head) throws IOException {
    StringBuilder b = new StringBuilder();
    for (String h : head) {
      b.append(h).append("\r\n");
    }
    out.write(b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  private static void pipe(InputStream from, OutputStream to) {
    try {
      from.transferTo(to);
    } catch (IOException e) {
      // One side closed; the other direction ends the exchange.
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    threads.shutdownNow();
  }
}
