package io.modelstash.store;

import io.modelstash.format.ByteSource;
import io.modelstash.format.Checkpoint;
import io.modelstash.format.Checkpoints;
import io.modelstash.format.Decomposition;
import io.modelstash.format.FormatException;
import io.modelstash.format.Segment;
import io.modelstash.format.Storage;
import io.modelstash.format.Tensor;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.blob.MissingBlobException;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.CatalogStats;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.NewVersion;
import io.modelstash.store.catalog.PathSummary;
import io.modelstash.store.catalog.RemoveResult;
import io.modelstash.store.catalog.SweepFence;
import io.modelstash.store.catalog.SweptObjectException;
import io.modelstash.store.catalog.TagResult;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.chunk.ChunkDecoder;
import io.modelstash.store.engine.Engine;
import io.modelstash.store.lifecycle.CatalogRebuilder;
import io.modelstash.store.lifecycle.GarbageCollector;
import io.modelstash.store.lifecycle.GcOptions;
import io.modelstash.store.lifecycle.GcReport;
import io.modelstash.store.lifecycle.Migrator;
import io.modelstash.store.lifecycle.RepairReport;
import io.modelstash.store.lifecycle.Verifier;
import io.modelstash.store.lifecycle.VerifyReport;
import io.modelstash.store.lifecycle.VersionRecords;
import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.manifest.ManifestCodec;
import io.modelstash.store.manifest.VersionRecord;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import io.modelstash.store.query.Differ;
import io.modelstash.store.query.StoredTensor;
import io.modelstash.store.query.VersionDiff;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.LongConsumer;

/**
 * A store of model checkpoints: files saved under hierarchical model paths as numbered, immutable
 * versions, deduplicated into content-addressed chunks and restored byte for byte.
 *
 * <p>The embedded store is one directory: {@code catalog.db} (SQLite), {@code chunks/}, {@code
 * manifests/}, {@code tmp/} and a {@code FORMAT} file. Writes follow one protocol: chunks, then the
 * manifest, then one catalog transaction; nothing of a put is visible before that commit, and a
 * crash leaves only unreferenced blobs. Thread-safe; any number of processes may share a store.
 */
public final class ModelStash implements Closeable {
  /** The store layout version written to {@code FORMAT}. */
  public static final int STORE_FORMAT = 1;

  /** How many times a put writes its version again after gc removed data it relied on. */
  private static final int PUT_ATTEMPTS = 5;

  /** Objects copied at once by a migration: object stores reward parallel requests. */
  private static final int MIGRATE_THREADS = 8;

  private static final String FORMAT_FILE = "FORMAT";
  private static final String CATALOG_FILE = "catalog.db";
  private static final String FORMAT_PREFIX = "modelstash-store ";

  private final Path dir;
  private final Catalog catalog;
  private final BlobStore blobs;
  private final Engine engine;
  private final Optional<String> identity;

  private ModelStash(Path dir, Catalog catalog, BlobStore blobs) {
    this(dir, catalog, blobs, Optional.empty());
  }

  private ModelStash(Path dir, Catalog catalog, BlobStore blobs, Optional<String> identity) {
    this.dir = dir;
    this.identity = identity;
    this.catalog = catalog;
    this.blobs = blobs;
    this.engine = new Engine(blobs, catalog, ChunkDecoder.standard());
  }

  /** Opens the store in {@code dir}, creating it if it does not exist yet. */
  public static ModelStash open(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(abs);
      Path format = abs.resolve(FORMAT_FILE);
      if (Files.exists(format)) {
        checkFormat(abs, Files.readString(format, StandardCharsets.UTF_8).trim());
      } else {
        if (!Files.isWritable(abs)) {
          throw new AccessDeniedException(abs.toString());
        }
        Path tmp = Files.createTempFile(abs, ".format", ".tmp");
        Files.writeString(tmp, FORMAT_PREFIX + STORE_FORMAT + "\n", StandardCharsets.UTF_8);
        Files.move(
            tmp, format, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.createDirectories(abs.resolve("tmp"));
    } catch (AccessDeniedException e) {
      throw new StoreException(
          StoreException.Kind.STORE,
          "Cannot open store " + abs + ": permission denied (choose a writable --store directory)");
    } catch (FileSystemException e) {
      throw new StoreException(
          StoreException.Kind.STORE,
          "Cannot open store " + abs + ": " + e.getReason() + " (" + e.getFile() + ")");
    }
    Catalog catalog = SqliteCatalog.open(abs.resolve(CATALOG_FILE));
    try {
      return new ModelStash(abs, catalog, LocalBlobStore.open(abs));
    } catch (IOException | RuntimeException e) {
      catalog.close();
      throw e;
    }
  }

  /**
   * A store over the given catalog and blob store, with {@code workDir} for temporary files
   * (spooled uploads, inflated gzip files). The store takes ownership of both and closes them; if
   * it cannot open (they are not one store's: see {@link StoreBinding}), it closes them at once.
   */
  public static ModelStash using(Path workDir, Catalog catalog, BlobStore blobs)
      throws IOException {
    String id;
    try {
      id = StoreBinding.bind(catalog, blobs);
      Files.createDirectories(workDir.resolve("tmp"));
    } catch (IOException | RuntimeException e) {
      for (java.io.Closeable c : List.of(blobs, catalog)) {
        try {
          c.close();
        } catch (IOException closing) {
          e.addSuppressed(closing);
        }
      }
      throw e;
    }
    return new ModelStash(workDir.toAbsolutePath().normalize(), catalog, blobs, Optional.of(id));
  }

  /**
   * The identity its catalog and blobs share, for a store opened with {@link #using}; empty for a
   * store in one directory, whose catalog lives among its blobs.
   */
  public Optional<String> storeIdentity() {
    return identity;
  }

  private static void checkFormat(Path dir, String text) throws StoreException {
    if (!text.startsWith(FORMAT_PREFIX)) {
      throw new StoreException(
          StoreException.Kind.STORE,
          "Cannot open store " + dir + ": its FORMAT file does not describe a modelstash store");
    }
    int version;
    try {
      version = Integer.parseInt(text.substring(FORMAT_PREFIX.length()).trim());
    } catch (NumberFormatException e) {
      throw new StoreException(
          StoreException.Kind.STORE, "Cannot open store " + dir + ": unreadable FORMAT file");
    }
    if (version > STORE_FORMAT) {
      throw new StoreException(
          StoreException.Kind.STORE,
          "Cannot open store "
              + dir
              + ": it was created by a newer modelstash (store format "
              + version
              + " > "
              + STORE_FORMAT
              + "); upgrade modelstash");
    }
  }

  public Path directory() {
    return dir;
  }

  /** Saves a file as the next version of {@code path}. */
  public PutResult put(ModelPath path, Path file, PutOptions options) throws IOException {
    return put(path, file, options, n -> {});
  }

  /**
   * Saves a file as the next version of {@code path}, reporting bytes read to {@code progress} (the
   * file is read twice: once to hash it, once to store it).
   */
  public PutResult put(ModelPath path, Path file, PutOptions options, LongConsumer progress)
      throws IOException {
    String name = options.originalFileName().orElse(file.getFileName().toString());
    try (ByteSource src = ByteSource.open(file)) {
      return put(path, counting(src, progress), options.withOriginalFileName(name));
    }
  }

  private static ByteSource counting(ByteSource src, LongConsumer progress) {
    return new ByteSource() {
      @Override
      public long size() {
        return src.size();
      }

      @Override
      public void readFully(long position, java.nio.ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        src.readFully(position, dst);
        progress.accept(n);
      }

      @Override
      public void close() throws IOException {
        src.close();
      }
    };
  }

  /** Saves a stream (spooled to a temporary file in the store first) as the next version. */
  public PutResult put(ModelPath path, InputStream in, PutOptions options) throws IOException {
    Path spool = Files.createTempFile(dir.resolve("tmp"), "put-", ".spool");
    try {
      try (OutputStream out = Files.newOutputStream(spool, StandardOpenOption.WRITE)) {
        in.transferTo(out);
      }
      try (ByteSource src = ByteSource.open(spool)) {
        return put(path, src, options);
      }
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  /** Saves the bytes of {@code src} as the next version of {@code path}. */
  public PutResult put(ModelPath path, ByteSource src, PutOptions options) throws IOException {
    // refused before any work rather than at the commit
    NewVersion.checkMetadata(path, options.params(), options.metrics(), options.note());
    Digest sha;
    try (InputStream in = src.openStream(0, src.size())) {
      sha = Digest.of(in);
    }
    SweptObjectException swept = null;
    for (int attempt = 0; attempt < PUT_ATTEMPTS; attempt++) {
      if (swept != null) {
        GarbageCollector.awaitSettled(catalog, swept.generation());
      }
      // Taken before any chunk is looked up or written: see SweepFence.
      SweepFence fence = catalog.sweepFence();
      try {
        return write(path, src, options, sha, fence);
      } catch (SweptObjectException e) {
        swept = e;
      }
    }
    throw new StoreException(
        StoreException.Kind.STORE,
        "Cannot put "
            + path
            + ": garbage collection removed data this put had written or reused, "
            + PUT_ATTEMPTS
            + " times in a row ("
            + swept.getMessage()
            + "); run the put again, or give gc a longer --grace",
        swept);
  }

  private PutResult write(
      ModelPath path, ByteSource src, PutOptions options, Digest sha, SweepFence fence)
      throws IOException {
    Decomposition decomposition;
    try {
      decomposition = Checkpoints.decompose(src, dir.resolve("tmp"));
    } catch (FormatException e) {
      decomposition = Decomposition.opaque(Checkpoints.RAW, src);
    }
    Map<String, String> tensorOfKey = new HashMap<>();
    List<Manifest.TensorEntry> tensors;
    Engine.Written written;
    // closed on every path: a gzip file's decomposition owns the inflated copy in tmp/
    try (Decomposition d = decomposition) {
      Map<String, StorageLocation> locations = new HashMap<>();
      locate(d, new int[0], locations);
      tensors = tensorTable(readable(d), tensorOfKey, locations);
      // a named base may be shared by a family of fine-tunes, none of which deltas against
      // another: a new keyframe there would never be repaid
      written = engine.write(d, tensorOfKey, baseLayout(path, options), options.base().isEmpty());
    }
    Manifest manifest =
        new Manifest(
            path,
            UUID.randomUUID().toString(),
            Instant.now(),
            sha,
            src.size(),
            options.originalFileName(),
            options.note(),
            options.params(),
            options.metrics(),
            tensors,
            written.layout());
    byte[] encoded = ManifestCodec.encode(manifest);
    Digest manifestId = Digest.of(encoded);
    blobs.put(BlobKind.MANIFEST, manifestId, encoded);
    long added = written.storedBytesAdded() + encoded.length;
    VersionId id =
        catalog.commit(
            new NewVersion(
                    path,
                    sha,
                    src.size(),
                    added,
                    manifestId,
                    written.layout().format(),
                    options.originalFileName(),
                    options.note(),
                    options.params(),
                    options.metrics(),
                    written.chunks())
                .withFence(fence));
    Optional<VersionInfo> committed = catalog.resolve(id.toRef());
    if (committed.isPresent()) {
      VersionRecords.write(
          blobs,
          new VersionRecord(
              VersionRecord.Event.COMMITTED, id, manifestId, committed.get().createdAt()),
          "Saved " + id);
    }
    if (options.tag().isPresent()) {
      catalog.tag(id, options.tag().get());
    }
    return new PutResult(id, sha, src.size(), added, written.layout().format());
  }

  /** The layout to delta against: the named base, else the latest version of the path. */
  private Optional<Manifest.Layout> baseLayout(ModelPath path, PutOptions options)
      throws IOException {
    Optional<VersionInfo> base;
    if (options.base().isPresent()) {
      base = Optional.of(resolve(options.base().get()));
    } else {
      base = catalog.resolve(Ref.latest(path));
    }
    if (base.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(manifest(base.get()).layout());
    } catch (StoreException e) {
      if (options.base().isPresent()) {
        throw e;
      }
      // an unreadable previous version only costs the delta saving
      return Optional.empty();
    }
  }

  /**
   * The bytes to read the tensor table from: for a gzip file decomposed around its deflate stream,
   * the copy the decomposition already inflated, so the file is not inflated twice.
   */
  private static ByteSource readable(Decomposition d) {
    for (Segment s : d.segments()) {
      if (s instanceof Segment.Deflated) {
        return ((Segment.Deflated) s).inner().source();
      }
    }
    return d.source();
  }

  /** Where a payload lies: the deflate segments leading to its level, and its position there. */
  private record StorageLocation(int[] level, long position, long length) {}

  private static void locate(Decomposition d, int[] level, Map<String, StorageLocation> out) {
    int deflates = 0;
    for (Segment s : d.segments()) {
      if (s instanceof Segment.Payload) {
        Segment.Payload p = (Segment.Payload) s;
        out.putIfAbsent(p.key(), new StorageLocation(level, p.offset(), p.length()));
      } else if (s instanceof Segment.Deflated) {
        int[] inner = Arrays.copyOf(level, level.length + 1);
        inner[level.length] = deflates++;
        locate(((Segment.Deflated) s).inner(), inner, out);
      }
    }
  }

  /** The tensor table for {@code show}, when the weights-only reader accepts the file. */
  private List<Manifest.TensorEntry> tensorTable(
      ByteSource src, Map<String, String> tensorOfKey, Map<String, StorageLocation> locations) {
    List<Manifest.TensorEntry> out = new ArrayList<>();
    try (Checkpoint c = Checkpoints.read(src, dir.resolve("tmp"))) {
      for (Tensor t : c.tensors()) {
        Storage st = t.storage();
        StorageLocation at = locations.get(st.key());
        boolean located = at != null && at.length() == st.nbytes();
        Manifest.StorageView view =
            new Manifest.StorageView(
                st.key(),
                st.nbytes(),
                t.storageOffset(),
                t.stride(),
                st.bigEndian(),
                t.conj(),
                t.neg(),
                located ? at.level() : new int[0],
                located ? OptionalLong.of(at.position()) : OptionalLong.empty());
        out.add(
            new Manifest.TensorEntry(
                t.name(), t.dtype().torchName(), t.shape(), t.nbytes(), Optional.of(view)));
        tensorOfKey.putIfAbsent(t.storage().key(), t.name());
      }
      return out;
    } catch (IOException | RuntimeException e) {
      // a file the reader refuses is still stored, just without a tensor table
      tensorOfKey.clear();
      return List.of();
    }
  }

  /** The version a ref names. */
  public VersionInfo resolve(Ref ref) throws IOException {
    Optional<VersionInfo> v = catalog.resolve(ref);
    if (v.isEmpty()) {
      throw new StoreException(StoreException.Kind.NOT_FOUND, notFound(ref));
    }
    return v.get();
  }

  private String notFound(Ref ref) throws IOException {
    List<VersionInfo> log = catalog.log(ref.path());
    if (log.isEmpty()) {
      return "No model at path '" + ref.path() + "' (see 'modelstash ls')";
    }
    if (ref.selector() instanceof Ref.Best) {
      return "No version of "
          + ref.path()
          + " has metric '"
          + ((Ref.Best) ref.selector()).metric()
          + "' (see 'modelstash log "
          + ref.path()
          + "')";
    }
    return "No version "
        + ref
        + " (the path has versions 1.."
        + log.get(0).id().number()
        + "; see 'modelstash log "
        + ref.path()
        + "')";
  }

  /** The manifest of a version. */
  public Manifest manifest(VersionInfo v) throws IOException {
    try {
      return ManifestCodec.decode(blobs.get(BlobKind.MANIFEST, v.manifest()), v.manifest());
    } catch (MissingBlobException e) {
      throw new StoreException(
          StoreException.Kind.CORRUPT,
          "Cannot read " + v.id() + ": its manifest " + v.manifest().hex() + " is missing",
          e);
    }
  }

  /**
   * Writes the exact bytes of a version to {@code out}: to a temporary file beside it, checked
   * against the saved SHA-256, then renamed. On any failure no file is left at {@code out}.
   *
   * <p>A new file is written the way {@code cp} writes one: complete and checked when this returns,
   * and left to the kernel to flush, since the store keeps the bytes (forcing every restored file
   * to disk cost an S1 get about 12 ms of its 50). A file that replaces an existing one is forced
   * to disk before the rename, so that a crash cannot lose the old contents, which the store may
   * not hold, without leaving the new.
   */
  public VersionInfo get(Ref ref, Path out) throws IOException {
    return get(ref, out, n -> {});
  }

  /** Like {@link #get(Ref, Path)}, reporting bytes written to {@code progress}. */
  public VersionInfo get(Ref ref, Path out, LongConsumer progress) throws IOException {
    VersionInfo v = resolve(ref);
    Manifest m = manifest(v);
    Path target = out.toAbsolutePath();
    Path parent = target.getParent();
    Path tmp = Files.createTempFile(parent, "." + target.getFileName(), ".part");
    boolean replacing = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
    boolean ok = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
          OutputStream os =
              new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20)) {
        restoreChecked(v, m, os, progress);
        os.flush();
        if (replacing) {
          ch.force(true);
        }
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      ok = true;
      return v;
    } finally {
      if (!ok) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /**
   * Streams the bytes of a version to {@code out}. The SHA-256 is checked at the end; on a mismatch
   * this throws after the bytes were written, so callers of a stream must treat the exception as
   * "discard the output".
   */
  public VersionInfo get(Ref ref, OutputStream out) throws IOException {
    VersionInfo v = resolve(ref);
    restoreChecked(v, manifest(v), out, n -> {});
    return v;
  }

  private void restoreChecked(VersionInfo v, Manifest m, OutputStream out, LongConsumer progress)
      throws IOException {
    Digest.Hasher hasher = Digest.hasher();
    long[] count = {0};
    OutputStream tee =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            hasher.update(b, off, len);
            count[0] += len;
            out.write(b, off, len);
            progress.accept(len);
          }
        };
    try {
      engine.read(m.layout(), tee);
    } catch (MissingBlobException e) {
      throw new StoreException(
          StoreException.Kind.CORRUPT,
          "Cannot restore "
              + v.id()
              + ": a chunk is missing ("
              + e.getMessage()
              + "); run 'modelstash verify'",
          e);
    } catch (CorruptObjectException e) {
      throw new StoreException(
          StoreException.Kind.CORRUPT, "Cannot restore " + v.id() + ": " + e.getMessage(), e);
    }
    Digest actual = hasher.finish();
    if (count[0] != v.size() || !actual.equals(v.fileSha256())) {
      throw new StoreException(
          StoreException.Kind.CORRUPT,
          "Cannot restore "
              + v.id()
              + ": rebuilt file does not match (expected sha256 "
              + v.fileSha256().hex()
              + ", actual "
              + actual.hex()
              + ")");
    }
  }

  /**
   * One chunk a version uses, as {@code show --chunks} prints it: where it sits (the opaque stream,
   * or a tensor payload), how it is encoded, and its delta base if any.
   */
  public record ChunkUse(
      String segment,
      String dtype,
      Digest id,
      int rawLength,
      long storedSize,
      int codec,
      Optional<Digest> base) {}

  /**
   * How one codec did on the distinct chunks of some versions.
   *
   * @param codec the codec id (see {@link io.modelstash.store.chunk.ChunkFormat})
   * @param chunks how many distinct chunks use it
   * @param rawBytes their raw length
   * @param storedBytes the length of their chunk objects
   * @param codedBytes what their entropy-coded streams take (object minus headers)
   * @param entropyBytes the order-0 entropy of those streams, in bytes: what an ideal per-stream
   *     coder would need
   */
  public record CodecUsage(
      int codec,
      long chunks,
      long rawBytes,
      long storedBytes,
      long codedBytes,
      double entropyBytes) {}

  /**
   * Per codec, the distinct chunks the versions under {@code prefix} (all when empty) use, with the
   * order-0 entropy of their coded streams. Reads every chunk object once.
   */
  public List<CodecUsage> codecUsage(Optional<ModelPath> prefix) throws IOException {
    java.util.Set<Digest> seen = new java.util.HashSet<>();
    Map<Integer, long[]> counts = new java.util.TreeMap<>();
    Map<Integer, double[]> entropy = new HashMap<>();
    for (PathSummary p : list(prefix)) {
      for (VersionInfo v : catalog.log(p.path())) {
        for (ChunkInfo c : catalog.versionChunks(v.id())) {
          if (!seen.add(c.id())) {
            continue;
          }
          byte[] object = blobs.get(BlobKind.CHUNK, c.id());
          long coded = 0;
          double bits = 0;
          for (io.modelstash.store.chunk.Entropy.Stream st :
              io.modelstash.store.chunk.Entropy.streams(object, c.id(), engine::standaloneChunk)) {
            coded += st.storedLength();
            bits += st.bits();
          }
          long[] n = counts.computeIfAbsent(c.codec(), k -> new long[4]);
          n[0]++;
          n[1] += c.rawSize();
          n[2] += object.length;
          n[3] += coded;
          entropy.computeIfAbsent(c.codec(), k -> new double[1])[0] += bits / 8;
        }
      }
    }
    List<CodecUsage> out = new ArrayList<>();
    for (Map.Entry<Integer, long[]> e : counts.entrySet()) {
      long[] n = e.getValue();
      out.add(new CodecUsage(e.getKey(), n[0], n[1], n[2], n[3], entropy.get(e.getKey())[0]));
    }
    return out;
  }

  /** The chunks of a version, in file order (opaque chunks of each level first). */
  public List<ChunkUse> chunks(VersionInfo v) throws IOException {
    // one query for the version's chunk records rather than one per chunk
    Map<Digest, ChunkInfo> known = new HashMap<>();
    for (ChunkInfo c : catalog.versionChunks(v.id())) {
      known.put(c.id(), c);
    }
    List<ChunkUse> out = new ArrayList<>();
    addChunks(manifest(v).layout(), "", known, out);
    return out;
  }

  private void addChunks(
      Manifest.Layout layout, String level, Map<Digest, ChunkInfo> known, List<ChunkUse> out)
      throws IOException {
    for (Manifest.ChunkRef c : layout.opaqueChunks()) {
      out.add(use(level + "(opaque)", "-", c, known));
    }
    for (Manifest.Segment s : layout.segments()) {
      if (s instanceof Manifest.Payload) {
        Manifest.Payload p = (Manifest.Payload) s;
        for (Manifest.ChunkRef c : p.chunks()) {
          out.add(use(level + p.tensor().orElse("storage " + p.key()), p.dtype(), c, known));
        }
      } else if (s instanceof Manifest.Deflated) {
        addChunks(((Manifest.Deflated) s).inner(), level + "(gzip)/", known, out);
      }
    }
  }

  private ChunkUse use(
      String segment, String dtype, Manifest.ChunkRef c, Map<Digest, ChunkInfo> known)
      throws IOException {
    Optional<ChunkInfo> r = Optional.ofNullable(known.get(c.id()));
    if (r.isEmpty()) {
      r = catalog.chunkInfo(c.id()).map(io.modelstash.store.catalog.ChunkRecord::info);
    }
    return new ChunkUse(
        segment,
        dtype,
        c.id(),
        c.length(),
        r.map(ChunkInfo::encodedSize).orElse(-1L),
        r.map(ChunkInfo::codec).orElse(-1),
        r.flatMap(ChunkInfo::base));
  }

  public List<VersionInfo> log(ModelPath path) throws IOException {
    List<VersionInfo> log = catalog.log(path);
    if (log.isEmpty()) {
      throw new StoreException(
          StoreException.Kind.NOT_FOUND, "No model at path '" + path + "' (see 'modelstash ls')");
    }
    return log;
  }

  public List<PathSummary> list(Optional<ModelPath> prefix) throws IOException {
    return prefix.isPresent() ? catalog.listPaths(prefix.get()) : catalog.listPaths();
  }

  public CatalogStats stats(Optional<ModelPath> prefix) throws IOException {
    return prefix.isPresent() ? catalog.stats(prefix.get()) : catalog.stats();
  }

  /** Points {@code alias} at the version {@code ref} names. */
  public TagResult tag(Ref ref, AliasName alias) throws IOException {
    VersionInfo v = resolve(ref);
    return catalog.tag(v.id(), alias);
  }

  public boolean untag(ModelPath path, AliasName alias) throws IOException {
    return catalog.untag(path, alias);
  }

  /** Removes a version; its chunks stay until garbage collection. */
  public RemoveResult remove(Ref ref, boolean dropAliases) throws IOException {
    VersionInfo v = resolve(ref);
    RemoveResult r = catalog.removeVersion(v.id(), dropAliases);
    if (r == RemoveResult.REMOVED) {
      VersionRecords.write(
          blobs,
          new VersionRecord(VersionRecord.Event.REMOVED, v.id(), v.manifest(), Instant.now()),
          "Removed " + v.id());
    }
    return r;
  }

  /**
   * The versions under {@code prefix} (all when empty) that recorded {@code metric}, best first:
   * lowest value first, or highest when {@code descending}; equal values newest first.
   */
  public List<VersionInfo> rankByMetric(
      Optional<ModelPath> prefix, String metric, boolean descending, int limit) throws IOException {
    return catalog.versionsByMetric(prefix, metric, descending, limit);
  }

  /** The tensors of a version, in the order of the saved file; nothing is read until asked. */
  public List<StoredTensor> tensors(Ref ref) throws IOException {
    VersionInfo v = resolve(ref);
    return tensors(v, manifest(v));
  }

  private List<StoredTensor> tensors(VersionInfo v, Manifest m) {
    List<StoredTensor> out = new ArrayList<>();
    for (Manifest.TensorEntry e : m.tensors()) {
      out.add(new StoredTensor(v.id(), m, e, engine));
    }
    return out;
  }

  /**
   * One tensor of a version, read lazily from the chunks that hold it.
   *
   * @throws StoreException (not found) if the version has no tensor of that name
   */
  public StoredTensor tensor(Ref ref, String name) throws IOException {
    VersionInfo v = resolve(ref);
    Manifest m = manifest(v);
    for (StoredTensor t : tensors(v, m)) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw new StoreException(
        StoreException.Kind.NOT_FOUND,
        m.tensors().isEmpty()
            ? "No tensor '" + name + "' in " + v.id() + ": its file has no tensor table"
            : "No tensor '"
                + name
                + "' in "
                + v.id()
                + " (see 'modelstash tensors "
                + v.id()
                + "')");
  }

  /** How two versions differ, tensor by tensor, read from the stored chunks. */
  public VersionDiff diff(Ref from, Ref to) throws IOException {
    VersionInfo a = resolve(from);
    VersionInfo b = resolve(to);
    return new Differ(dir.resolve("tmp"))
        .diff(
            a,
            tensors(a, manifest(a)),
            catalog.versionChunks(a.id()),
            b,
            tensors(b, manifest(b)),
            catalog.versionChunks(b.id()));
  }

  /**
   * Removes versions by retention rules and deletes data no version needs; see {@link GcOptions}.
   */
  public GcReport gc(GcOptions options) throws IOException {
    return new GarbageCollector(catalog, blobs, Clock.systemUTC()).run(options);
  }

  /**
   * Copies every version of this store, with its metadata and aliases, into {@code target}, keeping
   * version numbers; resumes where an earlier, interrupted run stopped. See {@link Migrator}.
   */
  public Migrator.Report migrateTo(ModelStash target, Migrator.Listener listener)
      throws IOException {
    return new Migrator(catalog, blobs, target.catalog, target.blobs, MIGRATE_THREADS)
        .run(listener);
  }

  /** Checks stored data; {@code full} decodes every chunk and rebuilds every file. */
  public VerifyReport verify(Optional<ModelPath> prefix, boolean full) throws IOException {
    return new Verifier(catalog, blobs, engine).verify(prefix, full);
  }

  /**
   * Rebuilds the catalog of the store in {@code dir} from its blobs (see {@link CatalogRebuilder}):
   * into a new file, which then replaces {@code catalog.db}; the old file, if any, is kept beside
   * it as {@code catalog.db.replaced-<millis>}. No other process may use the store meanwhile.
   * Aliases are not recoverable.
   */
  public static RepairReport rebuildCatalog(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    Path format = abs.resolve(FORMAT_FILE);
    if (!Files.isRegularFile(format)) {
      throw new StoreException(
          StoreException.Kind.STORE,
          "Cannot rebuild the catalog of "
              + abs
              + ": it is not a modelstash store (no FORMAT file)");
    }
    checkFormat(abs, Files.readString(format, StandardCharsets.UTF_8).trim());
    Path db = abs.resolve(CATALOG_FILE);
    Path fresh = abs.resolve(CATALOG_FILE + ".rebuild");
    deleteDatabase(fresh);
    RepairReport report;
    try (ModelStash s = new ModelStash(abs, SqliteCatalog.open(fresh), LocalBlobStore.open(abs))) {
      report = new CatalogRebuilder(s.catalog, s.blobs, s.engine).rebuild();
    } catch (IOException | RuntimeException e) {
      try {
        deleteDatabase(fresh);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    Optional<Path> previous = Optional.empty();
    if (Files.exists(db)) {
      Path old = abs.resolve(CATALOG_FILE + ".replaced-" + System.currentTimeMillis());
      moveDatabase(db, old);
      previous = Optional.of(old);
    }
    moveDatabase(fresh, db);
    return new RepairReport(
        report.recorded(), report.renumbered(), report.removed(), report.problems(), previous);
  }

  private static final String[] DATABASE_SUFFIXES = {"", "-wal", "-shm"};

  private static void deleteDatabase(Path db) throws IOException {
    for (String suffix : DATABASE_SUFFIXES) {
      Files.deleteIfExists(db.resolveSibling(db.getFileName() + suffix));
    }
  }

  private static void moveDatabase(Path from, Path to) throws IOException {
    for (String suffix : DATABASE_SUFFIXES) {
      Path f = from.resolveSibling(from.getFileName() + suffix);
      if (Files.exists(f)) {
        Files.move(f, to.resolveSibling(to.getFileName() + suffix), StandardCopyOption.ATOMIC_MOVE);
      }
    }
  }

  @Override
  @SuppressWarnings("try") // the resources are only there to be closed
  public void close() throws IOException {
    // closed in reverse order: the engine's workers first, then the catalog, then the blobs
    try (BlobStore b = blobs;
        Catalog c = catalog;
        Engine e = engine) {
      // nothing else to do: try-with-resources closes all three and keeps later failures
    }
  }
}
