package io.modelstash.store.chunk;

import io.modelstash.store.name.Digest;
import java.util.Optional;

/**
 * The parsed header of a chunk object whose magic, version, CRC-32C and lengths have been checked.
 *
 * @param version the format version
 * @param codecId the codec that encoded the payload
 * @param rawLength the decoded length
 * @param encodedLength the payload length
 * @param base the base chunk of a delta codec, if any
 * @param payloadOffset where the payload starts in the object
 */
public record ChunkHeader(
    int version,
    int codecId,
    int rawLength,
    int encodedLength,
    Optional<Digest> base,
    int payloadOffset) {}
