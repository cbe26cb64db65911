/**
 * Write-once, content-addressed object storage: the {@link io.modelstash.store.blob.BlobStore} SPI
 * and its local-directory implementation {@link io.modelstash.store.blob.LocalBlobStore}.
 *
 * <p>A blob store keeps opaque objects in three namespaces ({@link
 * io.modelstash.store.blob.BlobKind}): encoded chunks, manifests and version records. It never
 * interprets the bytes; what they mean and how they are checked is up to {@code
 * io.modelstash.store.chunk} and the manifest code. Damaged content is reported as {@link
 * io.modelstash.store.blob.CorruptObjectException}, absent objects as {@link
 * io.modelstash.store.blob.MissingBlobException}.
 */
package io.modelstash.store.blob;
