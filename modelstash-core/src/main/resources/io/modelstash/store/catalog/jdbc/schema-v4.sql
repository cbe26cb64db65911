-- Catalog schema version 4 (upgrades version 3). Portable SQL.
-- The identity of the store this catalog belongs to, recorded with the store's blobs too (an
-- IDENTITY object next to chunks/ and manifests/). A team store is a catalog and a bucket named
-- separately; opening a catalog with another store's blobs is refused, where it would otherwise
-- find every object missing, or let gc delete the other store's objects as unreferenced.
-- At most one row.
CREATE TABLE store_identity (
  id          TEXT   NOT NULL PRIMARY KEY,
  recorded_at BIGINT NOT NULL
);
