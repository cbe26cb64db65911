/**
 * Chunks: how a run of raw bytes is cut ({@link io.modelstash.store.chunk.Chunker}), encoded by a
 * per-chunk codec, and framed as a self-describing object ({@link
 * io.modelstash.store.chunk.ChunkEncoder}, {@link io.modelstash.store.chunk.ChunkDecoder}).
 *
 * <p>A chunk is named by the SHA-256 of its <em>raw</em> bytes, so the same content has the same
 * name however it is encoded. Nothing here touches files or stores: encoders and decoders take and
 * return byte arrays. Plain codecs ({@link io.modelstash.store.chunk.ChunkCodec}) need only the
 * payload; delta codecs ({@link io.modelstash.store.chunk.DeltaCodec}) also need the raw bytes of a
 * base chunk, which the decoder fetches through a {@link io.modelstash.store.chunk.BaseLoader}.
 * {@link io.modelstash.store.chunk.ChunkEncoder#encodeBest} picks the smallest encoding for a chunk
 * given its {@link io.modelstash.store.chunk.ElementType} and an optional base.
 *
 * <h2>Chunk object format, version 4</h2>
 *
 * <p>All integers are unsigned and big-endian.
 *
 * <table>
 *   <caption>Byte layout of a chunk object</caption>
 *   <tr><th>offset</th><th>size</th><th>field</th><th>value</th></tr>
 *   <tr><td>0</td><td>4</td><td>magic</td><td>ASCII {@code MSCK} ({@code 4d 53 43 4b})</td></tr>
 *   <tr><td>4</td><td>1</td><td>format version</td><td>4 (1 to 3 are read too)</td></tr>
 *   <tr><td>5</td><td>1</td><td>codec id</td><td>see the codec table below</td></tr>
 *   <tr><td>6</td><td>1</td><td>flags</td><td>bit 0: a base digest follows; other bits 0</td></tr>
 *   <tr><td>7</td><td>8</td><td>raw length R</td><td>length of the decoded bytes, at most
 *       {@link io.modelstash.store.chunk.ChunkFormat#MAX_RAW_LENGTH}</td></tr>
 *   <tr><td>15</td><td>8</td><td>encoded length E</td><td>length of the payload</td></tr>
 *   <tr><td>23</td><td>0 or 32</td><td>base digest</td><td>SHA-256 of the raw bytes of the chunk a
 *       delta codec decodes against; present if and only if flag bit 0 is set, which it is exactly
 *       for the delta codecs</td></tr>
 *   <tr><td>23 or 55</td><td>E</td><td>payload</td><td>the raw bytes as encoded by the
 *       codec</td></tr>
 *   <tr><td>end − 4</td><td>4</td><td>CRC-32C</td><td>of every byte before it</td></tr>
 * </table>
 *
 * <p>The object's length is exactly header + E + 4. A reader checks, in order: magic, version (a
 * larger one means the object was written by a newer modelstash), CRC-32C, flags and lengths, codec
 * id and whether it matches the base flag, the decoded length, and finally that the SHA-256 of the
 * decoded bytes is the chunk's name. Any failure is a {@link
 * io.modelstash.store.blob.CorruptObjectException}; a reader never returns bytes that did not pass
 * every check. A delta is decoded against whatever bytes the loader returns for its base; wrong
 * base bytes fail the final SHA-256 check.
 *
 * <table>
 *   <caption>Codecs</caption>
 *   <tr><th>id</th><th>name</th><th>class</th><th>base</th><th>payload</th></tr>
 *   <tr><td>0</td><td>stored</td><td>{@link io.modelstash.store.chunk.StoredCodec}</td><td>no</td>
 *       <td>the R raw bytes</td></tr>
 *   <tr><td>1</td><td>zstd</td><td>{@link io.modelstash.store.chunk.ZstdCodec}</td><td>no</td>
 *       <td>one zstd frame of the raw bytes</td></tr>
 *   <tr><td>2</td><td>bytegroup</td><td>{@link io.modelstash.store.chunk.ByteGroupingCodec}</td>
 *       <td>no</td><td>grouped payload, transform: none</td></tr>
 *   <tr><td>3</td><td>xor</td><td>{@link io.modelstash.store.chunk.XorDeltaCodec}</td>
 *       <td>yes</td><td>grouped payload, transform: XOR with the base unit</td></tr>
 *   <tr><td>4</td><td>subtract</td><td>{@link io.modelstash.store.chunk.SubtractDeltaCodec}</td>
 *       <td>yes</td><td>grouped payload, transform: zigzag difference from the base unit</td></tr>
 *   <tr><td>5</td><td>patch</td><td>{@link io.modelstash.store.chunk.PatchCodec}</td>
 *       <td>yes, of any length</td><td>one zstd frame, compressed with the base's raw bytes as a
 *       raw-content dictionary; a base that starts with zstd's dictionary magic number {@code 37 a4
 *       30 ec} is never used</td></tr>
 *   <tr><td>6</td><td>magnitude</td><td>{@link io.modelstash.store.chunk.MagnitudeDeltaCodec}</td>
 *       <td>yes</td><td>magnitude payload (below)</td></tr>
 * </table>
 *
 * <p>Codecs 3, 4 and 6 need a base of exactly R bytes; codec 5 takes a base of any length up to
 * {@link io.modelstash.store.chunk.ChunkFormat#MAX_RAW_LENGTH}.
 *
 * <h2>Grouped payload (codecs 2, 3 and 4)</h2>
 *
 * <p>The raw bytes are read as N = ⌊R / W⌋ little-endian unsigned units of W bytes (W = 1, 2, 4 or
 * 8: the element width, or the component width of a complex element), followed by T = R mod W tail
 * bytes. Each unit x (and, for a delta, the base unit b at the same offset; a base always has
 * exactly R bytes) becomes a transformed unit v, and byte k of v (k = 0 is the least significant)
 * goes to stream k at index i for unit i.
 *
 * <table>
 *   <caption>Byte layout of a grouped payload</caption>
 *   <tr><th>offset</th><th>size</th><th>field</th><th>value</th></tr>
 *   <tr><td>0</td><td>1</td><td>unit width W</td><td>1, 2, 4 or 8</td></tr>
 *   <tr><td>1</td><td>1</td><td>flags</td><td>bit 0: rotated (never set when W = 1); other bits
 *       0</td></tr>
 *   <tr><td>2 + 5k</td><td>1</td><td>method of stream k</td><td>0 = raw (the N bytes as they
 *       are), 1 = one zstd frame decoding to exactly N bytes, 2 = rANS (version 2; see class {@code
 *       Rans} for its layout) decoding to exactly N bytes, 3 = rANS with context (version 4; see
 *       below)</td></tr>
 *   <tr><td>3 + 5k</td><td>4</td><td>stored length of stream k</td><td>N for a raw
 *       stream</td></tr>
 *   <tr><td>2 + 5W</td><td>Σ lengths</td><td>streams 0 … W−1</td><td>back to back, in
 *       order</td></tr>
 *   <tr><td>end − T</td><td>T</td><td>tail</td><td>the last T raw bytes, verbatim (never
 *       transformed, also for deltas)</td></tr>
 * </table>
 *
 * <p>The payload length must be exactly 2 + 5W + Σ lengths + T. With B = 8W bits, rot(u) = (u ≪ 1)
 * | (u ⋙ (B − 1)) if the rotated flag is set and u otherwise, and all arithmetic modulo
 * 2<sup>B</sup>:
 *
 * <ul>
 *   <li>codec 2: v = rot(x).
 *   <li>codec 3: v = rot(x ⊕ b).
 *   <li>codec 4: d = rot(x) − rot(b), read as a signed B-bit integer; v = (d ≪ 1) ⊕ (d ≫ (B − 1))
 *       (zigzag, arithmetic shift), so small differences of either sign are small.
 * </ul>
 *
 * <p>A stream of method 3 starts with a byte L, then five u32 lengths, then five rANS streams (an
 * empty one for length 0) back to back, which hold the stream's bytes by context in stream order:
 * byte i is in context min(max(⌈(s[i−2] + s[i−1]) / 2⌉ − L, 0), 4), bytes before the first counting
 * as 0. The reader decodes the five and takes from them in stream order; the counts must add up to
 * N and no context may run out.
 *
 * <p>Rotation moves the sign bit of an IEEE float from the top bit to the bottom bit, so the top
 * byte of a float32 or bfloat16 is its pure exponent. Encoders choose it per codec and width from
 * measurements; readers just follow the flag.
 *
 * <h2>Magnitude payload (codec 6)</h2>
 *
 * <p>Units as for a grouped payload (W = 2, 4 or 8, B = 8W bits, N units, T tail bytes). For unit i
 * with base unit b: z = zigzag(rot(x) − rot(b)) exactly as codec 4 computes v; k = the bit length
 * of z (0 for z = 0); e = the top eight bits of b below its sign bit, (b ≪ 1) ⋙ (B − 8) in B bits
 * (the exponent of a float32 or bfloat16); context c = min(max(H − e, 0), C − 1). The symbol of the
 * unit is k for k &lt; 2, else 2 + 4(k − 2) + (z mod 4), at most 253. The k − 3 bits of z between
 * its leading one and its two lowest bits (none for k ≤ 3) are packed least significant bit first
 * into one bit string, unit after unit, the last byte padded with zero bits.
 *
 * <table>
 *   <caption>Byte layout of a magnitude payload</caption>
 *   <tr><th>offset</th><th>size</th><th>field</th><th>value</th></tr>
 *   <tr><td>0</td><td>1</td><td>unit width W</td><td>2, 4 or 8</td></tr>
 *   <tr><td>1</td><td>1</td><td>flags</td><td>bit 0: rotated; other bits 0</td></tr>
 *   <tr><td>2</td><td>1</td><td>H</td><td>the exponent of context 0</td></tr>
 *   <tr><td>3</td><td>1</td><td>C</td><td>the number of contexts, 1 to 24 (the encoder gives an
 *       exponent its own context from 1024 units and 1/64 of the chunk on)</td></tr>
 *   <tr><td>4 + 5c</td><td>1</td><td>method of stream c</td><td>0 = raw (one byte per symbol),
 *       1 = constant (the symbol, then the count as u32 little-endian), 2 = rANS (class {@code
 *       Rans}); each holds exactly as many symbols as context c has units</td></tr>
 *   <tr><td>5 + 5c</td><td>4</td><td>stored length of stream c</td><td></td></tr>
 *   <tr><td>4 + 5C</td><td>4</td><td>length of the bit string</td><td>⌈Σ max(k − 3, 0) / 8⌉</td></tr>
 *   <tr><td>8 + 5C</td><td>Σ lengths</td><td>streams 0 … C−1, then the bit string</td><td>back to
 *       back; stream c holds the symbols of the units in context c, in unit order</td></tr>
 *   <tr><td>end − T</td><td>T</td><td>tail</td><td>the last T raw bytes, verbatim</td></tr>
 * </table>
 *
 * <p>A reader computes every unit's context from the base first, so it knows how many symbols each
 * stream holds, then rebuilds z, x = rot⁻¹(rot(b) + unzigzag(z)), unit by unit. A symbol that
 * implies k &gt; B, or k = 2 with z mod 4 &lt; 2, bits left over, and lengths that do not add up
 * are corruption.
 *
 * <h2>History</h2>
 *
 * <ul>
 *   <li>Version 1: first version; codecs 0 (stored) and 1 (zstd).
 *   <li>Version 1, later: codecs 2 (byte grouping), 3 (XOR delta) and 4 (subtract delta) and the
 *       first use of the base digest (flag bit 0). The header is unchanged, so the version stays 1;
 *       a reader from before sees an unknown codec id and says the chunk may have been written by a
 *       newer modelstash. Checked-in objects of every codec are decoded by {@code GoldenChunkTest}.
 *   <li>Version 2: stream method 2 (order-0 rANS) in grouped payloads, chosen where it beats zstd
 *       by 1%: streams dominated by one byte, which zstd's Huffman stage cannot code below one bit
 *       per byte. Everything else is as in version 1, and version 1 objects are still read (the
 *       version 1 golden objects stay checked in). A version 1 reader refuses version 2 objects as
 *       written by a newer modelstash.
 *   <li>Version 3: codec 5 (patch), for the bytes around the tensors (pickle, zip headers, small
 *       tensors): the base is the same stretch of the base version's opaque bytes. Nothing else
 *       changed; objects of versions 1 and 2 are still read, and their golden objects stay checked
 *       in. A version 2 reader refuses version 3 objects as written by a newer modelstash.
 *   <li>Version 4: codec 6 (magnitude), which the encoder offers in place of codec 4 for float32
 *       deltas and beside it for 16-bit ones, and stream method 3 (rANS with the mean of the two
 *       previous bytes as context) in grouped payloads, chosen where it beats the stream's other
 *       coding by 1%. Nothing else changed; objects of versions 1 to 3 are still read, and their
 *       golden objects stay checked in. A version 3 reader refuses version 4 objects as written by
 *       a newer modelstash.
 * </ul>
 */
package io.modelstash.store.chunk;
