package io.modelstash.store.catalog;

import io.modelstash.store.name.Digest;
import java.time.Duration;
import java.util.List;

/**
 * A garbage-collection sweep that has begun: the objects it condemned, which the sweeper now
 * deletes from the blob store while it holds the sweep's lease.
 *
 * <p>The lease protocol: the sweeper renews the lease ({@link Catalog#renewSweep}) at least every
 * {@link #RENEW_EVERY} and deletes nothing once {@link #DELETE_WITHIN} has passed since its last
 * successful renewal; writers treat a sweep whose heartbeat is older than {@link #LEASE} as
 * settled. With clocks that agree within {@code LEASE − DELETE_WITHIN}, a settled sweep deletes
 * nothing more.
 *
 * @param generation the sweep's number, larger than every earlier sweep's
 * @param chunks the condemned chunks (their catalog records are now tombstones)
 * @param manifests the condemned manifests
 */
public record Sweep(long generation, List<Digest> chunks, List<Digest> manifests) {

  /** How long a sweep's heartbeat stays valid. */
  public static final Duration LEASE = Duration.ofSeconds(60);

  /** How often a sweeper renews its lease while deleting. */
  public static final Duration RENEW_EVERY = Duration.ofSeconds(10);

  /** How long after its last renewal a sweeper may still delete. */
  public static final Duration DELETE_WITHIN = Duration.ofSeconds(30);

  /**
   * How long tombstones are kept after their sweep settled; a commit whose fence is older than this
   * is refused, because tombstones it might conflict with may be gone.
   */
  public static final Duration TOMBSTONE_RETENTION = Duration.ofDays(7);

  /** Copies the lists. */
  public Sweep {
    chunks = List.copyOf(chunks);
    manifests = List.copyOf(manifests);
  }
}
