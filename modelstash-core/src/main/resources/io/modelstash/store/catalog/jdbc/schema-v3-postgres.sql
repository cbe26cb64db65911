-- Catalog schema version 3 (upgrades version 2), PostgreSQL.
-- Chunk digests are kept as their 32 bytes (BYTEA) instead of 64 hex characters, and indexes on
-- mostly-NULL columns keep only the non-NULL rows; rows and indexes of the chunk tables shrink by
-- about half. Manifest and file digests (one per version) stay hex text.
--
-- The foreign key from version_chunks to chunks is dropped while both columns change type (it
-- got PostgreSQL's default name from schema 1's column constraint) and then added again.

ALTER TABLE version_chunks DROP CONSTRAINT version_chunks_digest_fkey;

ALTER TABLE chunks
  ALTER COLUMN digest TYPE BYTEA USING decode(digest, 'hex'),
  ALTER COLUMN base_digest TYPE BYTEA USING decode(base_digest, 'hex');

ALTER TABLE version_chunks ALTER COLUMN digest TYPE BYTEA USING decode(digest, 'hex');

ALTER TABLE version_chunks
  ADD CONSTRAINT version_chunks_digest_fkey FOREIGN KEY (digest) REFERENCES chunks (digest);

DROP INDEX chunks_by_sweep;

CREATE INDEX chunks_by_sweep ON chunks (swept_by) WHERE swept_by IS NOT NULL;

DROP INDEX chunks_by_base;

CREATE INDEX chunks_by_base ON chunks (base_digest) WHERE base_digest IS NOT NULL;
