-- Catalog schema version 2 (upgrades version 1). Portable SQL, like version 1.
-- Garbage collection: sweeps and tombstones that let a commit detect a chunk or manifest that a
-- concurrent sweep removed; lookups by metric, by delta base and by manifest.

-- The gc sweep (gc_sweeps.generation) that removed a chunk, or NULL while the chunk is live. A row
-- with a sweep is a tombstone: the object may be gone, and a commit that needs it again rewrites
-- it and brings the row back to life.
ALTER TABLE chunks ADD COLUMN swept_by BIGINT;

-- One row per gc sweep. A sweep holds a lease while it deletes: it renews heartbeat_at, and a
-- sweep whose heartbeat is older than the lease deletes nothing more.
CREATE TABLE gc_sweeps (
  generation   BIGINT NOT NULL PRIMARY KEY,
  started_at   BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  finished_at  BIGINT
);

-- Manifests a sweep removed (manifests have no other catalog record).
CREATE TABLE swept_manifests (
  digest   TEXT   NOT NULL PRIMARY KEY,
  swept_by BIGINT NOT NULL
);

CREATE INDEX chunks_by_sweep ON chunks (swept_by);

CREATE INDEX chunks_by_base ON chunks (base_digest);

CREATE INDEX versions_by_manifest ON versions (manifest);

CREATE INDEX version_metrics_by_name ON version_metrics (name, value);
