package io.modelstash.format.zip;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Builds ZIP archives field by field, including malformed ones. Every field defaults to a
 * consistent value and can be overridden; {@link #build()} lays out local records in order, then
 * the central directory and the end records.
 */
final class TestZip {
  final List<Entry> entries = new ArrayList<>();
  boolean zip64End;
  Long cdOffset;
  Long cdSize;
  Integer count;
  Long zip64Count;
  Long zip64CdOffset;
  Long zip64RecordSize;
  Long zip64LocatorOffset;
  int zip64LocatorDisks = 1;
  int eocdDisk;
  byte[] comment = new byte[0];
  byte[] beforeCd = new byte[0];
  byte[] cdTrailing = new byte[0];
  byte[] trailing = new byte[0];

  /** Where the last build put each entry's local header (-1 if none was written). */
  final List<Long> localHeaderOffsets = new ArrayList<>();

  static final class Entry {
    byte[] cdName;
    byte[] localName;
    byte[] data;
    int method = 0;
    Integer localMethod;
    int flags = 0x0800;
    Long crc;
    Long compressedSize;
    Long size;
    Long localCompressedSize;
    Long localSize;
    byte[] localExtra = new byte[0];
    byte[] cdExtra = new byte[0];
    boolean descriptor;
    byte[] descriptorBytes;
    Long localHeaderOffset;
    boolean zip64;
    int disk;

    Entry(String name, byte[] data) {
      this.cdName = name.getBytes(StandardCharsets.UTF_8);
      this.localName = cdName;
      this.data = data;
    }

    Entry rawName(byte[] name) {
      cdName = name;
      localName = name;
      return this;
    }

    Entry localName(String name) {
      localName = name.getBytes(StandardCharsets.UTF_8);
      return this;
    }

    Entry method(int m) {
      method = m;
      return this;
    }

    Entry localMethod(int m) {
      localMethod = m;
      return this;
    }

    Entry flags(int f) {
      flags = f;
      return this;
    }

    Entry crc(long c) {
      crc = c;
      return this;
    }

    Entry sizes(long compressed, long uncompressed) {
      compressedSize = compressed;
      size = uncompressed;
      return this;
    }

    Entry localSizes(long compressed, long uncompressed) {
      localCompressedSize = compressed;
      localSize = uncompressed;
      return this;
    }

    Entry localExtra(byte[] extra) {
      localExtra = extra;
      return this;
    }

    Entry cdExtra(byte[] extra) {
      cdExtra = extra;
      return this;
    }

    /** Sets flag bit 3 and writes a 16-byte descriptor with signature (or these bytes). */
    Entry descriptor(byte[] bytes) {
      descriptor = true;
      descriptorBytes = bytes;
      return this;
    }

    /** Writes no local header; the directory points at this offset instead. */
    Entry at(long offset) {
      localHeaderOffset = offset;
      return this;
    }

    /** Puts sentinels in the directory and the real values in a ZIP64 extra field. */
    Entry zip64() {
      zip64 = true;
      return this;
    }

    Entry disk(int d) {
      disk = d;
      return this;
    }

    long crcValue() {
      if (crc != null) {
        return crc;
      }
      CRC32 c = new CRC32();
      c.update(data);
      return c.getValue();
    }

    long compressed() {
      return compressedSize != null ? compressedSize : data.length;
    }

    long uncompressed() {
      return size != null ? size : data.length;
    }
  }

  Entry add(String name, byte[] data) {
    Entry e = new Entry(name, data);
    entries.add(e);
    return e;
  }

  Entry add(String name, String data) {
    return add(name, data.getBytes(StandardCharsets.UTF_8));
  }

  byte[] build() {
    Out out = new Out();
    localHeaderOffsets.clear();
    long[] lho = new long[entries.size()];
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (e.localHeaderOffset != null) {
        lho[i] = e.localHeaderOffset;
        localHeaderOffsets.add(-1L);
        continue;
      }
      lho[i] = out.size();
      localHeaderOffsets.add(lho[i]);
      int flags = e.flags | (e.descriptor ? 8 : 0);
      out.u32(0x04034B50).u16(20).u16(flags);
      out.u16(e.localMethod != null ? e.localMethod : e.method).u16(0).u16(0);
      out.u32(e.descriptor ? 0 : e.crcValue());
      out.u32(
          e.localCompressedSize != null
              ? e.localCompressedSize
              : e.descriptor ? 0 : e.compressed());
      out.u32(e.localSize != null ? e.localSize : e.descriptor ? 0 : e.uncompressed());
      out.u16(e.localName.length).u16(e.localExtra.length);
      out.bytes(e.localName).bytes(e.localExtra).bytes(e.data);
      if (e.descriptor) {
        if (e.descriptorBytes != null) {
          out.bytes(e.descriptorBytes);
        } else {
          out.u32(0x08074B50).u32(e.crcValue()).u32(e.compressed()).u32(e.uncompressed());
        }
      }
    }
    out.bytes(beforeCd);
    long cdStart = out.size();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      Out extra = new Out();
      if (e.zip64) {
        extra.u16(1).u16(24).u64(e.uncompressed()).u64(e.compressed()).u64(lho[i]);
      }
      extra.bytes(e.cdExtra);
      int flags = e.flags | (e.descriptor ? 8 : 0);
      out.u32(0x02014B50).u16(20).u16(20).u16(flags).u16(e.method).u16(0).u16(0);
      out.u32(e.crcValue());
      out.u32(e.zip64 ? 0xFFFFFFFFL : e.compressed()).u32(e.zip64 ? 0xFFFFFFFFL : e.uncompressed());
      out.u16(e.cdName.length).u16(extra.size()).u16(0).u16(e.disk).u16(0).u32(0);
      out.u32(e.zip64 ? 0xFFFFFFFFL : lho[i]);
      out.bytes(e.cdName).bytes(extra.toByteArray());
    }
    out.bytes(cdTrailing);
    long realCdSize = out.size() - cdStart;
    long cdOff = cdOffset != null ? cdOffset : cdStart;
    long cdSz = cdSize != null ? cdSize : realCdSize;
    int n = count != null ? count : entries.size();
    if (zip64End) {
      long record = out.size();
      long z64count = zip64Count != null ? zip64Count : n;
      out.u32(0x06064B50).u64(zip64RecordSize != null ? zip64RecordSize : 44).u16(0x031E).u16(45);
      out.u32(0).u32(0).u64(z64count).u64(z64count).u64(cdSz);
      out.u64(zip64CdOffset != null ? zip64CdOffset : cdOff);
      out.u32(0x07064B50).u32(0).u64(zip64LocatorOffset != null ? zip64LocatorOffset : record);
      out.u32(zip64LocatorDisks);
    }
    out.u32(0x06054B50).u16(eocdDisk).u16(0).u16(n).u16(n).u32(cdSz).u32(cdOff);
    out.u16(comment.length).bytes(comment).bytes(trailing);
    return out.toByteArray();
  }

  /** A ZIP64 extra field (id 0x0001) holding these u64 values. */
  static byte[] zip64Extra(long... values) {
    Out o = new Out().u16(1).u16(8 * values.length);
    for (long v : values) {
      o.u64(v);
    }
    return o.toByteArray();
  }

  static final class Out extends ByteArrayOutputStream {
    Out u16(int v) {
      write(v);
      write(v >>> 8);
      return this;
    }

    Out u32(long v) {
      return u16((int) v).u16((int) (v >>> 16));
    }

    Out u64(long v) {
      return u32(v).u32(v >>> 32);
    }

    Out bytes(byte[] b) {
      writeBytes(b);
      return this;
    }
  }
}
