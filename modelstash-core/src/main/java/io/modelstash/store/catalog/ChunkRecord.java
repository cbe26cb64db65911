package io.modelstash.store.catalog;

import java.time.Instant;

/**
 * A chunk as the catalog knows it.
 *
 * @param info sizes and codec
 * @param createdAt when a commit first referenced it
 * @param lastReferencedAt when a commit last referenced it or a version using it was removed;
 *     garbage collection sweeps only chunks unreferenced for longer than a grace period
 */
public record ChunkRecord(ChunkInfo info, Instant createdAt, Instant lastReferencedAt) {}
