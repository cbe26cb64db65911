package io.modelstash.format.torch;

import io.modelstash.format.ByteSource;
import io.modelstash.format.FormatException;
import io.modelstash.format.zip.ZipArchive;
import io.modelstash.format.zip.ZipEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The PyTorch layer over a zip archive: the record prefix, the version and byte-order records,
 * {@code data.pkl} and the {@code data/<key>} storage records, with the rules {@code torch.load}
 * enforces plus the ones it should (exact record sizes, no TorchScript or torch.package).
 */
final class TorchZip {
  /** Largest {@code data.pkl} we read into memory. */
  static final int MAX_PICKLE_BYTES = 1 << 30;

  /** Largest deflate-compressed storage record we inflate (torch.save never writes one). */
  static final long MAX_DEFLATED_STORAGE = 64L << 20;

  private static final int MAX_SUPPORTED_VERSION = 10;

  private final ZipArchive zip;
  private final String prefix;

  private TorchZip(ZipArchive zip, String prefix) {
    this.zip = zip;
    this.prefix = prefix;
  }

  static TorchZip open(ByteSource src) throws IOException {
    ZipArchive zip = ZipArchive.read(src);
    if (zip.entries().isEmpty()) {
      throw new FormatException("Cannot read checkpoint: the zip archive has no entries");
    }
    String first = zip.entries().get(0).name();
    int slash = first.indexOf('/');
    if (slash <= 0) {
      throw new FormatException(
          "Cannot read checkpoint: file in archive is not in a subdirectory ('" + first + "')");
    }
    String prefix = first.substring(0, slash + 1);
    for (ZipEntry e : zip.entries()) {
      if (!e.name().startsWith(prefix)) {
        throw new FormatException(
            "Cannot read checkpoint: entry '"
                + e.name()
                + "' is outside the archive directory '"
                + prefix
                + "'");
      }
    }
    TorchZip torch = new TorchZip(zip, prefix);
    if (torch.find("constants.pkl").isPresent()) {
      throw new FormatException(
          "Cannot read checkpoint: this is a TorchScript archive (torch.jit.save); load it with"
              + " torch.jit.load and save its state_dict with torch.save instead");
    }
    if (torch.find(".data/extern_modules").isPresent()) {
      throw new FormatException(
          "Cannot read checkpoint: this is a torch.package archive, which can hold code; save"
              + " the model's state_dict with torch.save instead");
    }
    return torch;
  }

  ZipArchive zip() {
    return zip;
  }

  String prefix() {
    return prefix;
  }

  Optional<ZipEntry> find(String record) {
    return zip.find(prefix + record);
  }

  ZipEntry require(String record) throws FormatException {
    return find(record)
        .orElseThrow(
            () ->
                new FormatException(
                    "Cannot read checkpoint: record '" + prefix + record + "' is missing"));
  }

  /** Checks the {@code version} record (or {@code .data/version}) is 1..10. */
  int version() throws IOException {
    ZipEntry e = find(".data/version").orElse(null);
    if (e == null) {
      e = require("version");
    }
    String text = new String(zip.readAll(e, 64), StandardCharsets.US_ASCII).trim();
    long v;
    try {
      v = Long.parseLong(text);
    } catch (NumberFormatException ex) {
      throw new FormatException(
          "Cannot read checkpoint: version record holds '" + printable(text) + "', not a number");
    }
    if (v < 1 || v > MAX_SUPPORTED_VERSION) {
      throw new FormatException(
          "Cannot read checkpoint: file format version "
              + v
              + " is not supported (expected 1.."
              + MAX_SUPPORTED_VERSION
              + ")");
    }
    return (int) v;
  }

  /** True when the {@code byteorder} record says {@code big}; absent means little-endian. */
  boolean bigEndian() throws IOException {
    Optional<ZipEntry> e = find("byteorder");
    if (e.isEmpty()) {
      return false;
    }
    String text = new String(zip.readAll(e.get(), 16), StandardCharsets.US_ASCII);
    if (text.equals("little")) {
      return false;
    }
    if (text.equals("big")) {
      return true;
    }
    throw new FormatException(
        "Cannot read checkpoint: unknown byteorder '"
            + printable(text)
            + "' (expected little or big)");
  }

  byte[] pickle() throws IOException {
    ZipEntry e = require("data.pkl");
    if (e.size() > MAX_PICKLE_BYTES) {
      throw new FormatException(
          "Cannot read checkpoint: data.pkl is " + e.size() + " bytes, over the 1 GiB limit");
    }
    return zip.readAll(e, MAX_PICKLE_BYTES);
  }

  /** The bytes of storage record {@code data/<key>}. */
  ByteSource storage(String key) throws IOException {
    ZipEntry e =
        find("data/" + key)
            .orElseThrow(
                () ->
                    new FormatException(
                        "Cannot read storage "
                            + key
                            + ": record '"
                            + prefix
                            + "data/"
                            + key
                            + "' is missing"));
    if (e.method() == 0) {
      return zip.source().slice(e.dataOffset(), e.size());
    }
    return new LazyInflated(zip, e, key);
  }

  /**
   * A deflated record, inflated into memory on first read, so that its declared size can be checked
   * against the pickle before any inflation happens.
   */
  private static final class LazyInflated implements ByteSource {
    private final ZipArchive zip;
    private final ZipEntry entry;
    private final String key;
    private ByteSource inflated;

    LazyInflated(ZipArchive zip, ZipEntry entry, String key) {
      this.zip = zip;
      this.entry = entry;
      this.key = key;
    }

    @Override
    public long size() {
      return entry.size();
    }

    @Override
    public synchronized void readFully(long position, java.nio.ByteBuffer dst) throws IOException {
      if (inflated == null) {
        if (entry.size() > MAX_DEFLATED_STORAGE) {
          throw new FormatException(
              "Cannot read storage "
                  + key
                  + ": deflate-compressed records over 64 MiB are not supported (re-save with"
                  + " torch.save, which stores records uncompressed)");
        }
        inflated = ByteSource.wrap(zip.readAll(entry, (int) entry.size()));
      }
      inflated.readFully(position, dst);
    }

    @Override
    public void close() {}
  }

  static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && i < 40; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return sb.toString();
  }
}
