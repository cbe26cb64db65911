package io.modelstash.store.blob;

import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A {@link BlobStore} in a local directory.
 *
 * <p>Layout: {@code <root>/chunks/ab/<sha256>}, {@code <root>/manifests/ab/<sha256>} and {@code
 * <root>/records/ab/<sha256>}, where {@code ab} is the first two hex digits of the id. A put writes
 * {@code ab/.tmp-<sha256>-<random>} in the same folder, forces it to disk, renames it atomically
 * onto the final name, then forces the folder, so a crash at any point leaves either the complete
 * object or no object. Temporary files that a crash left behind are never listed; {@link
 * #removeTemporaries} deletes them.
 */
public final class LocalBlobStore implements BlobStore {

  private static final String TEMP_PREFIX = ".tmp-";
  private static final boolean WINDOWS =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

  private final Path root;

  private LocalBlobStore(Path root) {
    this.root = root;
  }

  /** Opens (creating if needed) a blob store rooted at {@code root}. */
  public static LocalBlobStore open(Path root) throws IOException {
    Path abs = root.toAbsolutePath();
    for (BlobKind kind : BlobKind.values()) {
      Files.createDirectories(abs.resolve(kind.directory()));
    }
    return new LocalBlobStore(abs);
  }

  /** The root directory. */
  public Path root() {
    return root;
  }

  /** Where the object {@code kind}/{@code id} lives (whether or not it exists). */
  public Path pathOf(BlobKind kind, Digest id) {
    return root.resolve(kind.relativeName(id));
  }

  @Override
  public boolean exists(BlobKind kind, Digest id) {
    return Files.isRegularFile(pathOf(kind, id));
  }

  @Override
  public void put(BlobKind kind, Digest id, InputStream in, long length) throws IOException {
    if (length < 0) {
      throw new IllegalArgumentException("length " + length + " < 0");
    }
    Path target = pathOf(kind, id);
    if (Files.exists(target)) {
      return;
    }
    Path dir = target.getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      syncDirectory(dir.getParent());
    }
    writeDurably(target, id.hex(), out -> copy(in, out, length, kind, id));
  }

  @FunctionalInterface
  private interface ChannelWriter {
    void write(FileChannel out) throws IOException;
  }

  /**
   * Writes {@code target} through a temporary file beside it, named after {@code name}: written,
   * forced to disk, renamed into place, and the rename made durable. Nothing is visible under
   * {@code target} unless all of it was written.
   */
  private static void writeDurably(Path target, String name, ChannelWriter body)
      throws IOException {
    Path dir = target.getParent();
    Path temp =
        dir.resolve(
            TEMP_PREFIX + name + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      try (FileChannel out =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        body.write(out);
        out.force(true);
      }
      // an atomic move replaces an existing target on Linux, macOS and Windows alike
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException | Error e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    syncDirectory(dir);
  }

  private static void copy(InputStream in, FileChannel out, long length, BlobKind kind, Digest id)
      throws IOException {
    byte[] buf = new byte[(int) Math.min(64 * 1024, Math.max(length, 1))];
    long done = 0;
    while (done < length) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, length - done));
      if (n < 0) {
        throw new IOException(
            "Cannot store "
                + kind.noun()
                + " "
                + id
                + ": the source ended after "
                + done
                + " of "
                + length
                + " bytes");
      }
      ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
      while (bb.hasRemaining()) {
        out.write(bb);
      }
      done += n;
    }
  }

  // Makes a rename or a new entry durable; Windows cannot open folders as channels and makes
  // renames durable by itself.
  private static void syncDirectory(Path dir) throws IOException {
    if (WINDOWS) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  @Override
  public byte[] get(BlobKind kind, Digest id) throws IOException {
    try {
      return Files.readAllBytes(pathOf(kind, id));
    } catch (NoSuchFileException e) {
      throw missing(kind, id, e);
    }
  }

  @Override
  public InputStream open(BlobKind kind, Digest id) throws IOException {
    try {
      return Files.newInputStream(pathOf(kind, id));
    } catch (NoSuchFileException e) {
      throw missing(kind, id, e);
    }
  }

  @Override
  public InputStream open(BlobKind kind, Digest id, long offset, long length) throws IOException {
    FileChannel ch;
    try {
      ch = FileChannel.open(pathOf(kind, id), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw missing(kind, id, e);
    }
    try {
      BlobStore.checkRange(kind, id, offset, length, ch.size());
      ch.position(offset);
    } catch (IOException | RuntimeException e) {
      try {
        ch.close();
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    return new RangeInputStream(Channels.newInputStream(ch), length, kind, id);
  }

  @Override
  public long size(BlobKind kind, Digest id) throws IOException {
    try {
      return Files.size(pathOf(kind, id));
    } catch (NoSuchFileException e) {
      throw missing(kind, id, e);
    }
  }

  private MissingBlobException missing(BlobKind kind, Digest id, NoSuchFileException cause) {
    MissingBlobException e = new MissingBlobException(kind, id, root.toString());
    e.initCause(cause);
    return e;
  }

  @Override
  public boolean delete(BlobKind kind, Digest id) throws IOException {
    return Files.deleteIfExists(pathOf(kind, id));
  }

  @Override
  public Stream<BlobInfo> list(BlobKind kind) throws IOException {
    Stream<Path> fanout = Files.list(root.resolve(kind.directory()));
    return fanout
        .filter(LocalBlobStore::isFanoutName)
        .flatMap(dir -> objectsIn(kind, dir).stream())
        .onClose(fanout::close);
  }

  private static boolean isFanoutName(Path dir) {
    String name = dir.getFileName().toString();
    return name.length() == 2 && Digest.isValid(name + "0".repeat(Digest.HEX_LENGTH - 2));
  }

  private static List<BlobInfo> objectsIn(BlobKind kind, Path dir) {
    List<BlobInfo> out = new ArrayList<>();
    String prefix = dir.getFileName().toString();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (!Digest.isValid(name) || !name.startsWith(prefix)) {
          continue;
        }
        attributes(p)
            .filter(BasicFileAttributes::isRegularFile)
            .ifPresent(
                a ->
                    out.add(
                        new BlobInfo(
                            kind, Digest.parse(name), a.size(), a.lastModifiedTime().toInstant())));
      }
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  // An object deleted by a concurrent gc between listing and stat is simply not listed.
  private static Optional<BasicFileAttributes> attributes(Path p) throws IOException {
    try {
      return Optional.of(Files.readAttributes(p, BasicFileAttributes.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * Deletes temporary files that interrupted puts left behind and that were last modified before
   * {@code olderThan}. Choose a cutoff well before any put that may still be running.
   *
   * @return how many files were deleted
   */
  public int removeTemporaries(Instant olderThan) throws IOException {
    int removed = 0;
    for (BlobKind kind : BlobKind.values()) {
      try (Stream<Path> files = Files.walk(root.resolve(kind.directory()), 2)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          if (p.getFileName().toString().startsWith(TEMP_PREFIX)) {
            Optional<BasicFileAttributes> a = attributes(p);
            if (a.isPresent()
                && a.get().lastModifiedTime().toInstant().isBefore(olderThan)
                && Files.deleteIfExists(p)) {
              removed++;
            }
          }
        }
      }
    }
    return removed;
  }

  @Override
  public Optional<String> storeIdentity() throws IOException {
    try {
      return Optional.of(
          Files.readString(root.resolve(IDENTITY_NAME), StandardCharsets.UTF_8).strip());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public void recordStoreIdentity(String id) throws IOException {
    Files.createDirectories(root);
    ByteBuffer b = ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.UTF_8));
    writeDurably(
        root.resolve(IDENTITY_NAME),
        IDENTITY_NAME,
        out -> {
          while (b.hasRemaining()) {
            out.write(b);
          }
        });
  }

  @Override
  public String toString() {
    return "LocalBlobStore[" + root + "]";
  }
}
