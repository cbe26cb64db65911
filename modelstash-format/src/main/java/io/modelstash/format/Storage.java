package io.modelstash.format;

import java.io.IOException;
import java.util.Objects;

/**
 * The raw bytes behind one or more tensors: a PyTorch storage record, or the data range of one
 * safetensors tensor. Bytes are as they appear in the file; {@link #bigEndian()} says whether they
 * still need swapping to be little-endian.
 */
public final class Storage {
  private final String key;
  private final DType dtype;
  private final long nbytes;
  private final ByteSource data;
  private final boolean bigEndian;

  public Storage(String key, DType dtype, long nbytes, ByteSource data, boolean bigEndian) {
    this.key = Objects.requireNonNull(key, "key");
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    this.data = Objects.requireNonNull(data, "data");
    if (nbytes < 0 || nbytes != data.size()) {
      throw new IllegalArgumentException(
          "storage " + key + ": nbytes " + nbytes + " != data size " + data.size());
    }
    this.nbytes = nbytes;
    this.bigEndian = bigEndian;
  }

  /** The storage key ({@code data/<key>} record) or safetensors tensor name. */
  public String key() {
    return key;
  }

  /** The dtype the storage was declared with (uint8 for untyped storages). */
  public DType dtype() {
    return dtype;
  }

  public long nbytes() {
    return nbytes;
  }

  /** The storage bytes exactly as stored in the file. */
  public ByteSource data() {
    return data;
  }

  public boolean bigEndian() {
    return bigEndian;
  }

  /** Reads the whole storage into memory; callers bound the size first. */
  public byte[] readAll() throws IOException {
    if (nbytes > Integer.MAX_VALUE - 8) {
      throw new FormatException(
          "Cannot load storage " + key + " into memory: " + nbytes + " bytes is over 2 GiB");
    }
    return data.read(0, (int) nbytes);
  }

  @Override
  public String toString() {
    return "Storage[" + key + ", " + dtype + ", " + nbytes + " bytes]";
  }
}
