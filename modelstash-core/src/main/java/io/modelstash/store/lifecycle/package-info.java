/**
 * Keeping a store healthy over time: garbage collection with retention rules ({@link
 * io.modelstash.store.lifecycle.GarbageCollector}), verification of stored data ({@link
 * io.modelstash.store.lifecycle.Verifier}), and rebuilding a lost catalog from the blob store
 * ({@link io.modelstash.store.lifecycle.CatalogRebuilder}).
 *
 * <h2>Why garbage collection never loses a chunk a put needs</h2>
 *
 * <p>A put takes a {@link io.modelstash.store.catalog.SweepFence} before it looks up or writes any
 * chunk, and commits with it. A sweep condemns objects in one catalog transaction (rechecking that
 * no version references them) before it deletes anything, and deletes only while it holds a lease.
 * If the put commits first, its chunks are referenced and the sweep leaves them. If the sweep's
 * transaction comes first, the put's commit sees the tombstone of a sweep its fence does not cover
 * as settled and is refused; the put waits for that sweep to settle and writes again, which now
 * really stores the object. The grace period (objects unreferenced, or unrecorded, for less than it
 * are left alone) is what keeps a running put's fresh chunks from being condemned at all, so that
 * puts normally never have to write twice.
 */
package io.modelstash.store.lifecycle;
