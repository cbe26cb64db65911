/**
 * Questions answered from stored chunks without restoring whole files: per-tensor reads ({@link
 * io.modelstash.store.query.StoredTensor}), NumPy {@code .npy} output ({@link
 * io.modelstash.store.query.Npy}), and tensor-by-tensor differences between two versions ({@link
 * io.modelstash.store.query.VersionDiff}).
 *
 * <p>A tensor is found through its manifest entry's {@link
 * io.modelstash.store.manifest.Manifest.StorageView}: the level of the layout and the byte range of
 * its storage there, which maps onto a run of payload or opaque chunks; only those chunks are read.
 */
package io.modelstash.store.query;
