-- Catalog schema version 3 (upgrades version 2), SQLite.
-- Chunk digests are kept as their 32 bytes instead of 64 hex characters, and the two chunk tables
-- are WITHOUT ROWID: the primary key is the table, with no second copy of it in an index. Indexes
-- on mostly-NULL columns keep only the non-NULL rows. Together that about halves the catalog of a
-- store with many small chunks. Manifest and file digests (one per version) stay hex text.
--
-- SQLite cannot change a column's type in place, so both tables are copied. version_chunks_v3
-- refers to chunks_v3; renaming chunks_v3 to chunks updates that reference (foreign keys are on).

CREATE TABLE chunks_v3 (
  digest             BLOB    NOT NULL PRIMARY KEY,
  encoded_size       BIGINT  NOT NULL,
  raw_size           BIGINT  NOT NULL,
  codec              INTEGER NOT NULL,
  base_digest        BLOB,
  created_at         BIGINT  NOT NULL,
  last_referenced_at BIGINT  NOT NULL,
  swept_by           BIGINT
) WITHOUT ROWID;

INSERT INTO chunks_v3 (digest, encoded_size, raw_size, codec, base_digest, created_at,
                       last_referenced_at, swept_by)
  SELECT unhex(digest), encoded_size, raw_size, codec, unhex(base_digest), created_at,
         last_referenced_at, swept_by
  FROM chunks;

CREATE TABLE version_chunks_v3 (
  path   TEXT   NOT NULL,
  number BIGINT NOT NULL,
  digest BLOB   NOT NULL REFERENCES chunks_v3 (digest),
  PRIMARY KEY (path, number, digest),
  FOREIGN KEY (path, number) REFERENCES versions (path, number)
) WITHOUT ROWID;

INSERT INTO version_chunks_v3 (path, number, digest)
  SELECT path, number, unhex(digest) FROM version_chunks;

DROP TABLE version_chunks;

DROP TABLE chunks;

ALTER TABLE chunks_v3 RENAME TO chunks;

ALTER TABLE version_chunks_v3 RENAME TO version_chunks;

CREATE INDEX version_chunks_by_digest ON version_chunks (digest);

CREATE INDEX chunks_by_last_referenced ON chunks (last_referenced_at);

CREATE INDEX chunks_by_sweep ON chunks (swept_by) WHERE swept_by IS NOT NULL;

CREATE INDEX chunks_by_base ON chunks (base_digest) WHERE base_digest IS NOT NULL;
