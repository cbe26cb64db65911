package io.modelstash.store.catalog;

/**
 * Sizes of the versions under a prefix (or of the whole catalog).
 *
 * @param paths how many model paths have versions
 * @param versions how many versions there are
 * @param logicalBytes the sum of the versions' file sizes: what plain copies would take
 * @param uniqueRawBytes the raw bytes of the distinct chunks those versions use: what is left after
 *     deduplication
 * @param storedBytes the encoded bytes of those distinct chunks: what is left after deduplication
 *     and compression (manifests not included)
 * @param chunks how many distinct chunks those versions use
 */
public record CatalogStats(
    long paths,
    long versions,
    long logicalBytes,
    long uniqueRawBytes,
    long storedBytes,
    long chunks) {}
