/**
 * Chunks: how a run of raw bytes is cut ({@link io.modelstash.store.chunk.Chunker}), encoded by a
 * per-chunk {@link io.modelstash.store.chunk.ChunkCodec}, and framed as a self-describing object
 * ({@link io.modelstash.store.chunk.ChunkEncoder}, {@link io.modelstash.store.chunk.ChunkDecoder}).
 *
 * <p>A chunk is named by the SHA-256 of its <em>raw</em> bytes, so the same content has the same
 * name however it is encoded. Nothing here touches files or stores: encoders and decoders take and
 * return byte arrays.
 *
 * <h2>Chunk object format, version 1</h2>
 *
 * <p>All integers are unsigned and big-endian.
 *
 * <table>
 *   <caption>Byte layout of a chunk object</caption>
 *   <tr><th>offset</th><th>size</th><th>field</th><th>value</th></tr>
 *   <tr><td>0</td><td>4</td><td>magic</td><td>ASCII {@code MSCK} ({@code 4d 53 43 4b})</td></tr>
 *   <tr><td>4</td><td>1</td><td>format version</td><td>1</td></tr>
 *   <tr><td>5</td><td>1</td><td>codec id</td><td>0 = stored, 1 = zstd; see
 *       {@link io.modelstash.store.chunk.ChunkCodec}</td></tr>
 *   <tr><td>6</td><td>1</td><td>flags</td><td>bit 0: a base digest follows; other bits 0</td></tr>
 *   <tr><td>7</td><td>8</td><td>raw length R</td><td>length of the decoded bytes, at most
 *       {@link io.modelstash.store.chunk.ChunkFormat#MAX_RAW_LENGTH}</td></tr>
 *   <tr><td>15</td><td>8</td><td>encoded length E</td><td>length of the payload</td></tr>
 *   <tr><td>23</td><td>0 or 32</td><td>base digest</td><td>SHA-256 of the raw bytes of the chunk a
 *       delta codec decodes against; present only if flag bit 0 is set (no codec uses it
 *       yet)</td></tr>
 *   <tr><td>23 or 55</td><td>E</td><td>payload</td><td>the raw bytes as encoded by the
 *       codec</td></tr>
 *   <tr><td>end − 4</td><td>4</td><td>CRC-32C</td><td>of every byte before it</td></tr>
 * </table>
 *
 * <p>The object's length is exactly header + E + 4. A reader checks, in order: magic, version (a
 * larger one means the object was written by a newer modelstash), CRC-32C, flags and lengths, codec
 * id, the decoded length, and finally that the SHA-256 of the decoded bytes is the chunk's name.
 * Any failure is a {@link io.modelstash.store.blob.CorruptObjectException}; a reader never returns
 * bytes that did not pass every check.
 *
 * <h2>History</h2>
 *
 * <ul>
 *   <li>Version 1: first version; codecs 0 (stored) and 1 (zstd).
 * </ul>
 */
package io.modelstash.store.chunk;
