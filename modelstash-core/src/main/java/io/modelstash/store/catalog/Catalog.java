package io.modelstash.store.catalog;

import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import java.io.Closeable;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The transactional record of what the store holds: model paths, versions and their metadata,
 * aliases, chunk records, and which versions use which chunks.
 *
 * <p>Every implementation guarantees:
 *
 * <ul>
 *   <li><b>Atomic operations.</b> Each method is one transaction: it happens entirely or not at
 *       all, and readers never see part of it.
 *   <li><b>Gapless, unique numbers.</b> {@link #commit} numbers a path's versions 1, 2, 3… in
 *       commit order, even with many writers in many processes; the number is chosen inside the
 *       commit transaction. Numbers are never reused, even after {@link #removeVersion}.
 *   <li><b>Compare-and-set aliases.</b> {@link #tag} with an expectation changes the alias only if
 *       it still points where the caller expected, and reports expected outcomes as a {@link
 *       TagResult} rather than an exception.
 *   <li><b>Chunk reuse is recorded.</b> A commit inserts missing chunk records and sets {@code
 *       lastReferencedAt} of every chunk it uses to the commit time, in the same transaction, so
 *       garbage collection with a grace period never sweeps a chunk a commit just reused.
 *   <li><b>Sweeps are fenced.</b> A commit whose {@link NewVersion#fence()} is given is refused
 *       with {@link SweptObjectException} if a sweep the fence does not cover as settled condemned
 *       one of its chunks, their delta bases, or its manifest; otherwise the commit turns any
 *       tombstone of its chunks back into a live record. {@link #beginSweep} condemns only objects
 *       that still qualify inside its own transaction. Together: no committed version ever
 *       references an object a sweep deleted.
 *   <li><b>Contention is waited out.</b> Transient lock conflicts are retried with backoff; a
 *       {@link CatalogException} means the operation did not happen, unless its message says the
 *       outcome is unknown (the connection to a database server broke while it committed).
 *   <li><b>Thread-safe.</b> One instance may be used from many threads.
 * </ul>
 */
public interface Catalog extends Closeable {

  /**
   * Commits a new version: allocates the next number for its path and records the version, its
   * metadata, its chunk references and any missing chunk records, atomically. The chunk objects and
   * the manifest must already be durable in the blob store.
   *
   * @return the new version's id
   * @throws CatalogException if the commit failed; with a networked database the outcome may be
   *     unknown when the connection broke during the commit, which the message then says
   */
  VersionId commit(NewVersion version) throws CatalogException;

  /** The version {@code ref} selects, or empty if there is none. */
  Optional<VersionInfo> resolve(Ref ref) throws CatalogException;

  /** The versions of {@code path}, newest first; empty if it has none. */
  List<VersionInfo> log(ModelPath path) throws CatalogException;

  /** Every path that has versions, sorted segment by segment. */
  List<PathSummary> listPaths() throws CatalogException;

  /** The paths that have versions and equal {@code prefix} or lie below it, sorted. */
  List<PathSummary> listPaths(ModelPath prefix) throws CatalogException;

  /** Sizes of all versions. */
  CatalogStats stats() throws CatalogException;

  /** Sizes of the versions of {@code prefix} and the paths below it. */
  CatalogStats stats(ModelPath prefix) throws CatalogException;

  /** Points alias {@code alias} of {@code target}'s path at {@code target}, wherever it was. */
  TagResult tag(VersionId target, AliasName alias) throws CatalogException;

  /**
   * Points alias {@code alias} of {@code target}'s path at {@code target} only if it currently
   * points at version {@code expected}, or, when {@code expected} is empty, does not exist.
   *
   * @return {@link TagResult#CONFLICT} if the alias is elsewhere
   */
  TagResult tag(VersionId target, AliasName alias, OptionalLong expected) throws CatalogException;

  /**
   * Removes an alias.
   *
   * @return whether it existed
   */
  boolean untag(ModelPath path, AliasName alias) throws CatalogException;

  /**
   * Removes a version and its metadata and chunk references, and sets {@code lastReferencedAt} of
   * the chunks it used to now (their grace period starts over). Its number is not reused.
   *
   * @param dropAliases whether to remove aliases that point to it; if false and some do, nothing
   *     changes and the result is {@link RemoveResult#ALIASED}
   */
  RemoveResult removeVersion(VersionId id, boolean dropAliases) throws CatalogException;

  /** Whether the catalog has a live record of chunk {@code id} (not a tombstone). */
  boolean hasChunk(Digest id) throws CatalogException;

  /** The live record of chunk {@code id}, if any; a chunk a sweep removed has none. */
  Optional<ChunkRecord> chunkInfo(Digest id) throws CatalogException;

  // ---- queries for lifecycle operations (gc, verify, diff, repair)

  /** The chunks version {@code id} references; empty if there is no such version. */
  List<ChunkInfo> versionChunks(VersionId id) throws CatalogException;

  /** For each of {@code ids} that versions reference, how many versions reference it. */
  Map<Digest, Long> referenceCounts(Collection<Digest> ids) throws CatalogException;

  /** Which of {@code ids} have a live record. */
  default Set<Digest> liveChunks(Collection<Digest> ids) throws CatalogException {
    return liveChunkInfos(ids).keySet();
  }

  /**
   * The live records of those of {@code ids} that have one, as {@link #chunkInfo} gives them, in a
   * few round trips however many ids: what a put looks up for its base version's chunks.
   */
  Map<Digest, ChunkInfo> liveChunkInfos(Collection<Digest> ids) throws CatalogException;

  /** Live chunk records that no version references, in no particular order. */
  List<ChunkRecord> unreferencedChunks() throws CatalogException;

  /** Live chunk records that are stored as a delta against a base chunk. */
  List<ChunkInfo> deltaChunks() throws CatalogException;

  /** The manifests of all versions. */
  Set<Digest> referencedManifests() throws CatalogException;

  /**
   * The versions under {@code prefix} (all versions when empty) that have metric {@code metric},
   * ordered by its value (ascending, or descending when {@code descending}), ties newest first, at
   * most {@code limit} of them.
   */
  List<VersionInfo> versionsByMetric(
      Optional<ModelPath> prefix, String metric, boolean descending, int limit)
      throws CatalogException;

  // ---- garbage-collection sweeps

  /** The fence a writer takes before it looks up or writes any chunk. */
  SweepFence sweepFence() throws CatalogException;

  /**
   * Begins a sweep: in one transaction, allocates the next generation, takes its lease, and
   * condemns the candidates of {@code request} that still qualify (turning their records into
   * tombstones), so that no later commit relies on them. Also forgets tombstones whose sweep
   * settled longer than {@link Sweep#TOMBSTONE_RETENTION} ago.
   *
   * @return the sweep and what it condemned; the caller deletes those objects, renewing the lease,
   *     and then calls {@link #finishSweep}
   */
  Sweep beginSweep(SweepRequest request) throws CatalogException;

  /**
   * Renews a sweep's lease.
   *
   * @return false if the lease had already expired or the sweep is finished: the sweeper must not
   *     delete anything more
   */
  boolean renewSweep(long generation) throws CatalogException;

  /** Marks a sweep finished: it deletes nothing more. */
  void finishSweep(long generation) throws CatalogException;

  // ---- rebuilding a lost catalog

  /**
   * Records a version recovered from the blob store with its original number and commit time (for
   * rebuilding a catalog); the path's counter is raised to at least {@code number}.
   *
   * @throws CatalogException if the version exists
   */
  void recoverVersion(NewVersion version, long number, Instant createdAt) throws CatalogException;

  /**
   * Raises the version counter of {@code path} to at least {@code number}: numbers never reused.
   */
  void reserveNumbers(ModelPath path, long number) throws CatalogException;

  /**
   * The version counter of every path the catalog has numbered versions for: the highest number it
   * has given, removed versions included (so a path whose versions were all removed is here too).
   */
  Map<ModelPath, Long> versionCounters() throws CatalogException;

  /**
   * The identity of the store this catalog belongs to (recorded with its blobs too; see {@code
   * io.modelstash.store.StoreBinding}), or empty if none is recorded yet.
   */
  Optional<String> storeIdentity() throws CatalogException;

  /**
   * Records {@code proposed} as the store's identity unless one is recorded already, atomically;
   * returns the identity recorded (the earlier one, if any).
   */
  String recordStoreIdentity(String proposed) throws CatalogException;

  /** Releases connections. */
  @Override
  void close() throws CatalogException;
}
