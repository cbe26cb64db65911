package io.modelstash.format.zip;

import static io.modelstash.format.zip.ZipFormat.CENTRAL_HEADER_SIG;
import static io.modelstash.format.zip.ZipFormat.CENTRAL_HEADER_SIZE;
import static io.modelstash.format.zip.ZipFormat.DATA_DESCRIPTOR_SIG;
import static io.modelstash.format.zip.ZipFormat.EOCD_SIG;
import static io.modelstash.format.zip.ZipFormat.EOCD_SIZE;
import static io.modelstash.format.zip.ZipFormat.LOCAL_HEADER_SIG;
import static io.modelstash.format.zip.ZipFormat.LOCAL_HEADER_SIZE;
import static io.modelstash.format.zip.ZipFormat.U16_SENTINEL;
import static io.modelstash.format.zip.ZipFormat.U32_SENTINEL;
import static io.modelstash.format.zip.ZipFormat.ZIP64_EOCD_SIG;
import static io.modelstash.format.zip.ZipFormat.ZIP64_EOCD_SIZE;
import static io.modelstash.format.zip.ZipFormat.ZIP64_LOCATOR_SIG;
import static io.modelstash.format.zip.ZipFormat.ZIP64_LOCATOR_SIZE;
import static io.modelstash.format.zip.ZipFormat.u16;
import static io.modelstash.format.zip.ZipFormat.u32;
import static io.modelstash.format.zip.ZipFormat.u64;

import io.modelstash.format.ByteSource;
import io.modelstash.format.FormatException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * A strict, read-only view of a ZIP archive such as a PyTorch checkpoint, parsed from its central
 * directory. Nothing PyTorch-specific happens here: callers get the entries and their bytes.
 *
 * <p>{@link #read} either returns an archive in which every entry has been checked, or throws
 * {@link FormatException}. It guarantees:
 *
 * <ul>
 *   <li>the end of central directory record lies in the last 65,557 bytes and its comment reaches
 *       exactly to the end of the file; a ZIP64 end record is used when its locator is present,
 *       must sit right before the locator, and must agree with the classic record;
 *   <li>the central directory lies before its end record, holds exactly the declared number of
 *       entries in exactly the declared number of bytes, and both are within {@link Limits};
 *   <li>each entry has ZIP64 sentinels resolved, method 0 or 8, no encryption, a valid UTF-8 name
 *       without empty, {@code .} or {@code ..} segments, NUL, backslash or leading '/', a name no
 *       other entry has, and {@code compressedSize == size} if stored;
 *   <li>each local header has the right signature, the same name and method as the central
 *       directory, sizes that agree with it (in the local header, or in the data descriptor when
 *       flag bit 3 is set), and ends, with its data and descriptor, before the central directory;
 *   <li>no two entries' bytes (local header to end of data descriptor) overlap.
 * </ul>
 *
 * CRC-32 values are not checked, as PyTorch never checks them; see {@link #crcMatches}. Memory use
 * is bounded by the central directory size and the entry count limits, not by declared sizes.
 * Instances are immutable and safe for concurrent use if the source is.
 */
public final class ZipArchive {

  /**
   * Caps that bound the work and memory a hostile archive can cause.
   *
   * @param maxEntries the most central directory entries accepted
   * @param maxCentralDirectoryBytes the largest central directory accepted (it is read into memory)
   * @param maxInflatedBytes the largest declared size of a deflated entry that will be inflated
   */
  public record Limits(int maxEntries, long maxCentralDirectoryBytes, long maxInflatedBytes) {
    /** 2^18 entries keep the parsed directory of a hostile file within about 50 MB of heap. */
    public static final int DEFAULT_MAX_ENTRIES = 1 << 18;

    public static final long DEFAULT_MAX_CENTRAL_DIRECTORY_BYTES = 64L << 20;
    public static final long DEFAULT_MAX_INFLATED_BYTES = 16L << 30;

    public Limits {
      if (maxEntries < 0) {
        throw new IllegalArgumentException(
            "Cannot create limits: maxEntries " + maxEntries + " < 0");
      }
      if (maxCentralDirectoryBytes < 0 || maxCentralDirectoryBytes > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "Cannot create limits: maxCentralDirectoryBytes "
                + maxCentralDirectoryBytes
                + " is not in [0, 2^31-9] (the directory is read into one array)");
      }
      if (maxInflatedBytes < 0) {
        throw new IllegalArgumentException(
            "Cannot create limits: maxInflatedBytes " + maxInflatedBytes + " < 0");
      }
    }

    public static Limits defaults() {
      return new Limits(
          DEFAULT_MAX_ENTRIES, DEFAULT_MAX_CENTRAL_DIRECTORY_BYTES, DEFAULT_MAX_INFLATED_BYTES);
    }
  }

  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private final ByteSource source;
  private final Limits limits;
  private final List<ZipEntry> entries;
  private final Map<String, ZipEntry> byName;
  private final long centralDirectoryOffset;

  private ZipArchive(
      ByteSource source,
      Limits limits,
      List<ZipEntry> entries,
      Map<String, ZipEntry> byName,
      long centralDirectoryOffset) {
    this.source = source;
    this.limits = limits;
    this.entries = List.copyOf(entries);
    this.byName = byName;
    this.centralDirectoryOffset = centralDirectoryOffset;
  }

  /** Parses and checks the archive with {@link Limits#defaults()}. */
  public static ZipArchive read(ByteSource src) throws IOException {
    return read(src, Limits.defaults());
  }

  /** Parses and checks the archive; see the class comment for what is checked. */
  public static ZipArchive read(ByteSource src, Limits limits) throws IOException {
    Objects.requireNonNull(src, "src");
    Objects.requireNonNull(limits, "limits");
    return new Parser(src, limits).parse();
  }

  /** The entries in central directory order. */
  public List<ZipEntry> entries() {
    return entries;
  }

  /** The entry with exactly this name. */
  public Optional<ZipEntry> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Where the central directory starts; every entry's bytes end at or before it. */
  public long centralDirectoryOffset() {
    return centralDirectoryOffset;
  }

  /** The source this archive was read from (not owned: the caller closes it). */
  public ByteSource source() {
    return source;
  }

  /**
   * The whole uncompressed content of {@code e}. Deflated entries are inflated to exactly their
   * declared size, which must be at most {@code maxBytes} and {@link Limits#maxInflatedBytes}.
   *
   * @throws FormatException if the entry is larger than {@code maxBytes}, or its data is corrupt
   * @throws IllegalArgumentException if {@code e} is not an entry of this archive
   */
  public byte[] readAll(ZipEntry e, int maxBytes) throws IOException {
    checkOwn(e);
    if (maxBytes < 0) {
      throw new IllegalArgumentException("Cannot read entry: maxBytes " + maxBytes + " < 0");
    }
    if (e.size() > maxBytes || e.size() > MAX_ARRAY) {
      throw new FormatException(
          "Cannot read entry "
              + ZipNames.quote(e.name())
              + ": it has "
              + e.size()
              + " bytes, more than the limit of "
              + Math.min(maxBytes, MAX_ARRAY)
              + " (use open() to stream it)");
    }
    byte[] out = new byte[(int) e.size()];
    if (e.isStored()) {
      try {
        source.readFully(e.dataOffset(), ByteBuffer.wrap(out));
      } catch (EOFException x) {
        throw EntryStreams.truncated(e.name(), x);
      }
      return out;
    }
    try (InputStream in = open(e)) {
      int n = in.readNBytes(out, 0, out.length);
      // The inflating stream fails on its own if the data is shorter or longer than declared;
      // reading past the end runs its final checks.
      if (n != out.length || in.read() >= 0) {
        throw new FormatException(
            "Cannot read entry " + ZipNames.quote(e.name()) + ": data does not match its size");
      }
    }
    return out;
  }

  /**
   * A stream of the uncompressed content of {@code e}. For deflated entries it yields exactly the
   * declared size and fails with {@link FormatException} if the data inflates to more or less.
   *
   * @throws FormatException if a deflated entry declares more than {@link Limits#maxInflatedBytes}
   * @throws IllegalArgumentException if {@code e} is not an entry of this archive
   */
  public InputStream open(ZipEntry e) throws IOException {
    checkOwn(e);
    if (!e.isStored() && e.size() > limits.maxInflatedBytes()) {
      throw new FormatException(
          "Cannot inflate entry "
              + ZipNames.quote(e.name())
              + ": declared size "
              + e.size()
              + " exceeds the limit of "
              + limits.maxInflatedBytes()
              + " bytes (raise Limits.maxInflatedBytes if this archive is trusted)");
    }
    InputStream raw;
    try {
      raw =
          new EntryStreams.Stored(source.openStream(e.dataOffset(), e.compressedSize()), e.name());
    } catch (EOFException x) {
      throw EntryStreams.truncated(e.name(), x);
    }
    return e.isStored() ? raw : new EntryStreams.Inflating(raw, e.name(), e.size());
  }

  /**
   * Whether the uncompressed content of {@code e} has the CRC-32 the central directory records.
   * PyTorch never checks it, and writes 0 when CRCs are disabled, so a mismatch is for the caller
   * to judge.
   */
  public boolean crcMatches(ZipEntry e) throws IOException {
    CRC32 crc = new CRC32();
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = open(e)) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        crc.update(buf, 0, n);
      }
    }
    return crc.getValue() == e.crc32();
  }

  private void checkOwn(ZipEntry e) {
    Objects.requireNonNull(e, "entry");
    if (!e.equals(byName.get(e.name()))) {
      throw new IllegalArgumentException(
          "Cannot read entry " + ZipNames.quote(e.name()) + ": it is not an entry of this archive");
    }
  }

  /** One parse of one archive. */
  private static final class Parser {
    /** A central directory entry, before its local header has been checked. */
    private record Central(
        int index,
        String name,
        byte[] rawName,
        String what,
        int method,
        long crc,
        long compressedSize,
        long size,
        long localHeader,
        int end) {}

    private final ByteSource src;
    private final Limits limits;
    private final long size;

    private long cdOffset;
    private long cdSize;
    private long entryCount;

    /** Where the central directory must end: the ZIP64 end record if present, else the EOCD. */
    private long endOfDirectory;

    Parser(ByteSource src, Limits limits) {
      this.src = src;
      this.limits = limits;
      this.size = src.size();
    }

    ZipArchive parse() throws IOException {
      readEndRecords();
      if (entryCount > limits.maxEntries()) {
        throw new FormatException(
            "Cannot read zip archive: it declares "
                + entryCount
                + " entries, more than the limit of "
                + limits.maxEntries()
                + " (raise Limits.maxEntries if this archive is trusted)");
      }
      if (cdSize > limits.maxCentralDirectoryBytes()) {
        throw new FormatException(
            "Cannot read zip archive: central directory of "
                + cdSize
                + " bytes exceeds the limit of "
                + limits.maxCentralDirectoryBytes()
                + " (raise Limits.maxCentralDirectoryBytes if this archive is trusted)");
      }
      if (cdOffset < 0
          || cdSize < 0
          || cdOffset > endOfDirectory
          || cdSize > endOfDirectory - cdOffset) {
        throw new FormatException(
            "Cannot read zip archive: central directory at offset "
                + Long.toUnsignedString(cdOffset)
                + " with "
                + Long.toUnsignedString(cdSize)
                + " bytes does not end by its end record at offset "
                + endOfDirectory
                + " (truncated or corrupt file?)");
      }
      if (entryCount > cdSize / CENTRAL_HEADER_SIZE) {
        throw new FormatException(
            "Cannot read zip archive: "
                + entryCount
                + " entries cannot fit in a central directory of "
                + cdSize
                + " bytes (corrupt entry count?)");
      }
      byte[] cd = readAt(cdOffset, (int) cdSize, "zip central directory");
      Central[] central = new Central[(int) entryCount];
      Map<String, Central> names = new HashMap<>();
      int p = 0;
      for (int i = 0; i < central.length; i++) {
        Central c = readCentral(cd, p, i);
        if (names.putIfAbsent(c.name, c) != null) {
          throw new FormatException(
              "Cannot read "
                  + c.what
                  + ": duplicate entry, the name appears twice in the central directory (ambiguous archive)");
        }
        central[i] = c;
        p = c.end;
      }
      if (p != cd.length) {
        throw new FormatException(
            "Cannot read zip archive: central directory has "
                + (cd.length - p)
                + " bytes left after its "
                + entryCount
                + " entries (corrupt entry count or directory size?)");
      }
      // Local headers in file order: each must start where the previous entry's bytes ended or
      // later. Besides refusing overlapping entries, this bounds the bytes read here by the file
      // size, however the directory points into the file.
      Central[] byOffset = central.clone();
      Arrays.sort(byOffset, Comparator.comparingLong((Central c) -> c.localHeader));
      ZipEntry[] parsed = new ZipEntry[central.length];
      ZipEntry previous = null;
      for (Central c : byOffset) {
        if (previous != null && c.localHeader < previous.recordEnd()) {
          throw new FormatException(
              "Cannot read "
                  + c.what
                  + ": its local header at offset "
                  + c.localHeader
                  + " lies inside entry "
                  + ZipNames.quote(previous.name())
                  + " ["
                  + previous.localHeaderOffset()
                  + ", "
                  + previous.recordEnd()
                  + ") (overlapping-entry zip bomb?)");
        }
        previous = readLocal(c);
        parsed[c.index] = previous;
      }
      List<ZipEntry> list = Arrays.asList(parsed);
      Map<String, ZipEntry> byName = new HashMap<>();
      for (ZipEntry e : list) {
        byName.put(e.name(), e);
      }
      return new ZipArchive(src, limits, list, byName, cdOffset);
    }

    private void readEndRecords() throws IOException {
      if (size < EOCD_SIZE) {
        throw new FormatException(
            "Cannot read zip archive: file has "
                + size
                + " bytes, fewer than an end of central directory record (truncated, or not a zip file)");
      }
      int tailLength = (int) Math.min(size, ZipFormat.MAX_EOCD_SEARCH);
      long tailStart = size - tailLength;
      byte[] tail = readAt(tailStart, tailLength, "end of zip central directory");
      int at = -1;
      for (int i = tailLength - EOCD_SIZE; i >= 0; i--) {
        if (u32(tail, i) == EOCD_SIG && u16(tail, i + 20) == tailLength - EOCD_SIZE - i) {
          at = i;
          break;
        }
      }
      if (at < 0) {
        throw new FormatException(
            "Cannot read zip archive: no end of central directory record in the last "
                + tailLength
                + " bytes (not a zip file, truncated, or data appended?)");
      }
      long eocd = tailStart + at;
      int disk = u16(tail, at + 4);
      int cdDisk = u16(tail, at + 6);
      int entriesHere = u16(tail, at + 8);
      int entriesTotal = u16(tail, at + 10);
      long cdSize32 = u32(tail, at + 12);
      long cdOffset32 = u32(tail, at + 16);

      long locator = eocd - ZIP64_LOCATOR_SIZE;
      if (locator >= 0
          && u32(readAt(locator, 4, "ZIP64 end of central directory locator"), 0)
              == ZIP64_LOCATOR_SIG) {
        readZip64(locator);
        if (!agrees(disk, 0, U16_SENTINEL)
            || !agrees(cdDisk, 0, U16_SENTINEL)
            || !agrees(entriesHere, entryCount, U16_SENTINEL)
            || !agrees(entriesTotal, entryCount, U16_SENTINEL)
            || !agrees(cdSize32, cdSize, U32_SENTINEL)
            || !agrees(cdOffset32, cdOffset, U32_SENTINEL)) {
          throw new FormatException(
              "Cannot read zip archive: end of central directory record at offset "
                  + eocd
                  + " (entries "
                  + entriesTotal
                  + ", directory size "
                  + cdSize32
                  + ", offset "
                  + cdOffset32
                  + ") disagrees with the ZIP64 end record (entries "
                  + Long.toUnsignedString(entryCount)
                  + ", size "
                  + Long.toUnsignedString(cdSize)
                  + ", offset "
                  + Long.toUnsignedString(cdOffset)
                  + ") (corrupt or ambiguous archive)");
        }
      } else {
        if (disk != 0 || cdDisk != 0) {
          throw multiDisk(eocd);
        }
        if (entriesHere != entriesTotal) {
          throw new FormatException(
              "Cannot read zip archive: end record at offset "
                  + eocd
                  + " counts "
                  + entriesHere
                  + " entries on this disk but "
                  + entriesTotal
                  + " in total (multi-disk or corrupt archive)");
        }
        entryCount = entriesTotal;
        cdSize = cdSize32;
        cdOffset = cdOffset32;
        endOfDirectory = eocd;
      }
    }

    private void readZip64(long locator) throws IOException {
      byte[] loc = readAt(locator, ZIP64_LOCATOR_SIZE, "ZIP64 end of central directory locator");
      long recordDisk = u32(loc, 4);
      long record = u64(loc, 8);
      long disks = u32(loc, 16);
      if (recordDisk != 0 || disks > 1) {
        throw multiDisk(locator);
      }
      if (record < 0 || record > locator - ZIP64_EOCD_SIZE) {
        throw new FormatException(
            "Cannot read zip archive: ZIP64 locator at offset "
                + locator
                + " points to offset "
                + Long.toUnsignedString(record)
                + ", which leaves no room for a ZIP64 end record before it (corrupt locator?)");
      }
      byte[] z = readAt(record, ZIP64_EOCD_SIZE, "ZIP64 end of central directory record");
      if (u32(z, 0) != ZIP64_EOCD_SIG) {
        throw new FormatException(
            "Cannot read zip archive: ZIP64 end record at offset "
                + record
                + " has signature "
                + hex(u32(z, 0))
                + ", expected "
                + hex(ZIP64_EOCD_SIG)
                + " (corrupt locator?)");
      }
      long recordSize = u64(z, 4);
      if (recordSize != locator - record - 12) {
        throw new FormatException(
            "Cannot read zip archive: ZIP64 end record at offset "
                + record
                + " declares "
                + Long.toUnsignedString(recordSize)
                + " bytes, but its locator at offset "
                + locator
                + " follows after "
                + (locator - record - 12)
                + " (corrupt or ambiguous archive)");
      }
      if (u32(z, 16) != 0 || u32(z, 20) != 0) {
        throw multiDisk(record);
      }
      long entriesHere = u64(z, 24);
      entryCount = u64(z, 32);
      cdSize = u64(z, 40);
      cdOffset = u64(z, 48);
      if (entriesHere != entryCount) {
        throw new FormatException(
            "Cannot read zip archive: ZIP64 end record counts "
                + Long.toUnsignedString(entriesHere)
                + " entries on this disk but "
                + Long.toUnsignedString(entryCount)
                + " in total (multi-disk or corrupt archive)");
      }
      if (entryCount < 0) {
        entryCount = Long.MAX_VALUE;
      }
      endOfDirectory = record;
    }

    private Central readCentral(byte[] cd, int p, int index) throws IOException {
      long at = cdOffset + p;
      String where = "zip central directory entry #" + index + " at offset " + at;
      if (cd.length - p < CENTRAL_HEADER_SIZE) {
        throw new FormatException(
            "Cannot read "
                + where
                + ": only "
                + (cd.length - p)
                + " bytes of the directory are left (corrupt entry count or directory size?)");
      }
      if (u32(cd, p) != CENTRAL_HEADER_SIG) {
        throw new FormatException(
            "Cannot read "
                + where
                + ": signature "
                + hex(u32(cd, p))
                + ", expected "
                + hex(CENTRAL_HEADER_SIG)
                + " (corrupt directory)");
      }
      int flags = u16(cd, p + 8);
      int method = u16(cd, p + 10);
      long crc = u32(cd, p + 16);
      long compressedSize = u32(cd, p + 20);
      long uncompressedSize = u32(cd, p + 24);
      int nameLength = u16(cd, p + 28);
      int extraLength = u16(cd, p + 30);
      int commentLength = u16(cd, p + 32);
      long diskStart = u16(cd, p + 34);
      long localHeader = u32(cd, p + 42);
      int length = CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
      if (length > cd.length - p) {
        throw new FormatException(
            "Cannot read "
                + where
                + ": its "
                + length
                + " bytes run past the end of the directory (corrupt name, extra or comment length?)");
      }
      byte[] rawName =
          Arrays.copyOfRange(cd, p + CENTRAL_HEADER_SIZE, p + CENTRAL_HEADER_SIZE + nameLength);
      String name = ZipNames.decode(rawName);
      if (name == null) {
        throw new FormatException("Cannot read " + where + ": the name is not valid UTF-8");
      }
      String problem = ZipNames.problem(name);
      if (problem != null) {
        throw new FormatException(
            "Cannot read zip entry " + ZipNames.quote(name) + ": " + problem + " (unsafe name)");
      }
      String entry = "zip entry " + ZipNames.quote(name);

      int[] zip64 = findZip64(cd, p + CENTRAL_HEADER_SIZE + nameLength, extraLength, entry);
      int q = zip64 == null ? 0 : zip64[0];
      int left = zip64 == null ? 0 : zip64[1];
      if (uncompressedSize == U32_SENTINEL) {
        uncompressedSize = zip64Value(cd, q, left, 8, entry, "uncompressed size");
        q += 8;
        left -= 8;
      }
      if (compressedSize == U32_SENTINEL) {
        compressedSize = zip64Value(cd, q, left, 8, entry, "compressed size");
        q += 8;
        left -= 8;
      }
      if (localHeader == U32_SENTINEL) {
        localHeader = zip64Value(cd, q, left, 8, entry, "local header offset");
        q += 8;
        left -= 8;
      }
      if (diskStart == U16_SENTINEL) {
        diskStart = zip64Value(cd, q, left, 4, entry, "disk number");
      }
      if (diskStart != 0) {
        throw multiDisk(at);
      }
      if ((flags & (ZipFormat.FLAG_ENCRYPTED | ZipFormat.FLAG_STRONG_ENCRYPTION)) != 0) {
        throw new FormatException(
            "Cannot read " + entry + ": it is encrypted (flags " + hex16(flags) + ")");
      }
      if (method != ZipFormat.METHOD_STORED && method != ZipFormat.METHOD_DEFLATED) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": compression method "
                + method
                + " is not supported (only 0, stored, and 8, deflated)");
      }
      if (method == ZipFormat.METHOD_STORED && compressedSize != uncompressedSize) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": it is stored but its compressed size "
                + Long.toUnsignedString(compressedSize)
                + " differs from its size "
                + Long.toUnsignedString(uncompressedSize)
                + " (corrupt or hostile sizes)");
      }
      if (compressedSize < 0 || uncompressedSize < 0 || localHeader < 0) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": ZIP64 size or offset of 2^63 or more (corrupt or hostile values)");
      }
      return new Central(
          index,
          name,
          rawName,
          entry,
          method,
          crc,
          compressedSize,
          uncompressedSize,
          localHeader,
          p + length);
    }

    private ZipEntry readLocal(Central c) throws IOException {
      String entry = c.what;
      byte[] rawName = c.rawName;
      int method = c.method;
      long compressedSize = c.compressedSize;
      long uncompressedSize = c.size;
      long localHeader = c.localHeader;
      if (localHeader > cdOffset - LOCAL_HEADER_SIZE) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": local header offset "
                + localHeader
                + " is not before the central directory at offset "
                + cdOffset
                + " (corrupt offset?)");
      }
      byte[] h = readAt(localHeader, LOCAL_HEADER_SIZE, entry + " local header");
      if (u32(h, 0) != LOCAL_HEADER_SIG) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": local header at offset "
                + localHeader
                + " has signature "
                + hex(u32(h, 0))
                + ", expected "
                + hex(LOCAL_HEADER_SIG)
                + " (corrupt offset?)");
      }
      int flags = u16(h, 6);
      int localMethod = u16(h, 8);
      long localCompressed = u32(h, 18);
      long localUncompressed = u32(h, 22);
      int nameLength = u16(h, 26);
      int extraLength = u16(h, 28);
      long dataOffset = localHeader + LOCAL_HEADER_SIZE + nameLength + extraLength;
      if (dataOffset > cdOffset) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": local header at offset "
                + localHeader
                + " runs into the central directory at offset "
                + cdOffset
                + " (corrupt header?)");
      }
      byte[] v =
          readAt(
              localHeader + LOCAL_HEADER_SIZE, nameLength + extraLength, entry + " local header");
      if (!Arrays.equals(v, 0, nameLength, rawName, 0, rawName.length)) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": its local header at offset "
                + localHeader
                + " names "
                + ZipNames.quote(new String(v, 0, nameLength, StandardCharsets.UTF_8))
                + " (ambiguous archive)");
      }
      if (localMethod != method) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": local header says method "
                + localMethod
                + ", central directory says "
                + method
                + " (ambiguous archive)");
      }
      int[] zip64 = findZip64(v, nameLength, extraLength, entry + " local header");
      if (compressedSize > cdOffset - dataOffset) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": its "
                + compressedSize
                + " bytes of data at offset "
                + dataOffset
                + " run past the central directory at offset "
                + cdOffset
                + " (truncated file or hostile size)");
      }
      long dataEnd = dataOffset + compressedSize;
      long recordEnd;
      if ((flags & ZipFormat.FLAG_DATA_DESCRIPTOR) != 0) {
        recordEnd = readDescriptor(entry, dataEnd, zip64 != null, compressedSize, uncompressedSize);
      } else {
        int q = zip64 == null ? 0 : zip64[0];
        int left = zip64 == null ? 0 : zip64[1];
        if (localUncompressed == U32_SENTINEL && zip64 != null && left >= 8) {
          localUncompressed = u64(v, q);
          q += 8;
          left -= 8;
        }
        if (localCompressed == U32_SENTINEL && zip64 != null && left >= 8) {
          localCompressed = u64(v, q);
        }
        if (localCompressed != compressedSize || localUncompressed != uncompressedSize) {
          throw new FormatException(
              "Cannot read "
                  + entry
                  + ": local header records sizes "
                  + Long.toUnsignedString(localCompressed)
                  + "/"
                  + Long.toUnsignedString(localUncompressed)
                  + ", central directory "
                  + compressedSize
                  + "/"
                  + uncompressedSize
                  + " (compressed/uncompressed; ambiguous archive)");
        }
        recordEnd = dataEnd;
      }
      return new ZipEntry(
          c.name,
          method,
          c.crc,
          compressedSize,
          uncompressedSize,
          localHeader,
          dataOffset,
          recordEnd);
    }

    /**
     * Checks the data descriptor after an entry's data and returns where it ends. The signature is
     * optional; the sizes are 8 bytes each when the local header has a ZIP64 field.
     */
    private long readDescriptor(
        String entry, long at, boolean wide, long compressedSize, long uncompressedSize)
        throws IOException {
      long room = cdOffset - at;
      int sizeLength = wide ? 8 : 4;
      byte[] d = readAt(at, (int) Math.min(room, 8 + 2 * sizeLength), entry + " data descriptor");
      int off = d.length >= 4 && u32(d, 0) == DATA_DESCRIPTOR_SIG ? 4 : 0;
      int length = off + 4 + 2 * sizeLength;
      if (length > d.length) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": its "
                + length
                + "-byte data descriptor at offset "
                + at
                + " runs past the central directory at offset "
                + cdOffset
                + " (corrupt size?)");
      }
      long c = wide ? u64(d, off + 4) : u32(d, off + 4);
      long u = wide ? u64(d, off + 12) : u32(d, off + 8);
      if (c != compressedSize || u != uncompressedSize) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": data descriptor at offset "
                + at
                + " records sizes "
                + Long.toUnsignedString(c)
                + "/"
                + Long.toUnsignedString(u)
                + ", central directory "
                + compressedSize
                + "/"
                + uncompressedSize
                + " (compressed/uncompressed; ambiguous archive)");
      }
      return at + length;
    }

    /**
     * Finds the ZIP64 extended information field in an extra block: {offset, length} of its data,
     * or null. Trailing bytes too short for a field header are ignored, as other readers do.
     */
    private static int[] findZip64(byte[] b, int start, int length, String what)
        throws FormatException {
      int p = start;
      int end = start + length;
      int[] found = null;
      while (end - p >= 4) {
        int id = u16(b, p);
        int size = u16(b, p + 2);
        if (size > end - p - 4) {
          throw new FormatException(
              "Cannot read "
                  + what
                  + ": extra field "
                  + hex16(id)
                  + " declares "
                  + size
                  + " bytes but only "
                  + (end - p - 4)
                  + " remain (corrupt extra field)");
        }
        if (id == ZipFormat.ZIP64_EXTRA_ID) {
          if (found != null) {
            throw new FormatException(
                "Cannot read " + what + ": two ZIP64 extra fields (ambiguous archive)");
          }
          found = new int[] {p + 4, size};
        }
        p += 4 + size;
      }
      return found;
    }

    private static long zip64Value(byte[] b, int at, int left, int width, String entry, String what)
        throws FormatException {
      if (left < width) {
        throw new FormatException(
            "Cannot read "
                + entry
                + ": its "
                + what
                + " is a ZIP64 placeholder but the ZIP64 extra field does not hold it (corrupt extra"
                + " field)");
      }
      return width == 8 ? u64(b, at) : u32(b, at);
    }

    private byte[] readAt(long position, int length, String what) throws IOException {
      if (position < 0 || length < 0 || position > size || length > size - position) {
        throw new FormatException(
            "Cannot read "
                + what
                + ": "
                + length
                + " bytes at offset "
                + position
                + " run past the end of the "
                + size
                + "-byte file (truncated file?)");
      }
      try {
        return src.read(position, length);
      } catch (EOFException e) {
        throw new FormatException(
            "Cannot read " + what + " at offset " + position + ": " + e.getMessage(), e);
      }
    }

    private static boolean agrees(long classic, long zip64, long sentinel) {
      return classic == zip64 || classic == sentinel;
    }

    private static FormatException multiDisk(long at) {
      return new FormatException(
          "Cannot read zip archive: record at offset "
              + at
              + " refers to another disk (multi-disk archives are not supported)");
    }

    private static String hex(long v) {
      return String.format("0x%08x", v);
    }

    private static String hex16(int v) {
      return String.format("0x%04x", v);
    }
  }
}
