/**
 * The ZIP container of PyTorch checkpoints: a strict reader ({@link
 * io.modelstash.format.zip.ZipArchive}) and a writer that reproduces {@code torch.save}'s layout
 * byte for byte ({@link io.modelstash.format.zip.ZipWriter}). Nothing here knows about PyTorch
 * records (prefix, {@code data.pkl}, {@code version}); that is the checkpoint layer's job.
 *
 * <h2>Layout written by PyTorch (miniz with {@code MZ_ZIP_FLAG_WRITE_ZIP64}), and by ZipWriter</h2>
 *
 * All integers are little-endian. "ZIP64" below means {@code size >= 0xFFFFFFFF || lho >=
 * 0xFFFFFFFF}, where {@code lho} is the offset of the entry's local header.
 *
 * <pre>
 * per entry, in the order written:
 *   local header  50 4B 03 04 | version needed 0 | flags 0x0808 (0x0800 if size is 0) | method 0
 *                 | time 0 | date 0 | CRC 0 | sizes 0, 0 | name length n | extra length m
 *   name          n bytes UTF-8
 *   extra         [ZIP64: 01 00 | len | u64 size, u64 0 (if size needs it) | u64 lho (if lho does)]
 *                 'F' 'B' | u16 pad | pad x 'Z'        (no FB field if alignment is 0 or 1)
 *                 pad makes lho + 30 + n + m a multiple of the alignment (64)
 *   data          size bytes, stored
 *   descriptor    only if size > 0: 50 4B 07 08 | CRC | u32 size, u32 size (u64 each if ZIP64)
 * central directory, one per entry in the same order:
 *   50 4B 01 02 | made by 0 | needed 0 | flags as above | method 0 | time 0 | date 0 | CRC
 *   | u32 sizes and u32 lho, 0xFFFFFFFF where too big | name length | extra length | comment 0
 *   | disk 0 | attributes 0, 0 | name | [ZIP64: 01 00 | len | u64 size, u64 size | u64 lho]
 * end records, always:
 *   ZIP64 end record  50 4B 06 06 | u64 44 | made by 0x031E | needed 45 | disks 0, 0
 *                     | u64 entries, entries | u64 directory size | u64 directory offset
 *   ZIP64 locator     50 4B 06 07 | disk 0 | u64 offset of the ZIP64 end record | disks 1
 *   end record        50 4B 05 06 | disks 0, 0 | u16 entries, entries (0xFFFF if too many)
 *                     | u32 directory size, offset (0xFFFFFFFF if too big) | comment length 0
 * </pre>
 *
 * The local ZIP64 field carries a compressed size of 0 (miniz fills it in before compressing), and
 * carries the local header offset, which the ZIP specification does not put there. Both were
 * checked against a 4 GiB file written by PyTorch 1.13.1 (test resource {@code
 * zip/zip64-sparse.bin}).
 *
 * <h2>History</h2>
 *
 * <ul>
 *   <li>v1: layout of PyTorch 1.6 to 2.x; stored entries only on write.
 * </ul>
 */
package io.modelstash.format.zip;
