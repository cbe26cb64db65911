-- Catalog schema version 1. Portable SQL: it must run unchanged on SQLite and PostgreSQL.
-- Times are milliseconds since the epoch (UTC); digests are 64 lowercase hex digits.

CREATE TABLE model_paths (
  path        TEXT   NOT NULL PRIMARY KEY,
  last_number BIGINT NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE versions (
  path               TEXT   NOT NULL REFERENCES model_paths (path),
  number             BIGINT NOT NULL,
  created_at         BIGINT NOT NULL,
  file_sha256        TEXT   NOT NULL,
  size               BIGINT NOT NULL,
  stored_bytes_added BIGINT NOT NULL,
  manifest           TEXT   NOT NULL,
  format             TEXT   NOT NULL,
  original_name      TEXT,
  note               TEXT,
  PRIMARY KEY (path, number)
);

CREATE TABLE version_params (
  path   TEXT   NOT NULL,
  number BIGINT NOT NULL,
  name   TEXT   NOT NULL,
  value  TEXT   NOT NULL,
  PRIMARY KEY (path, number, name),
  FOREIGN KEY (path, number) REFERENCES versions (path, number)
);

CREATE TABLE version_metrics (
  path   TEXT             NOT NULL,
  number BIGINT           NOT NULL,
  name   TEXT             NOT NULL,
  value  DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (path, number, name),
  FOREIGN KEY (path, number) REFERENCES versions (path, number)
);

CREATE TABLE aliases (
  path       TEXT   NOT NULL,
  name       TEXT   NOT NULL,
  number     BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (path, name),
  FOREIGN KEY (path, number) REFERENCES versions (path, number)
);

CREATE TABLE chunks (
  digest             TEXT    NOT NULL PRIMARY KEY,
  encoded_size       BIGINT  NOT NULL,
  raw_size           BIGINT  NOT NULL,
  codec              INTEGER NOT NULL,
  base_digest        TEXT,
  created_at         BIGINT  NOT NULL,
  last_referenced_at BIGINT  NOT NULL
);

CREATE TABLE version_chunks (
  path   TEXT   NOT NULL,
  number BIGINT NOT NULL,
  digest TEXT   NOT NULL REFERENCES chunks (digest),
  PRIMARY KEY (path, number, digest),
  FOREIGN KEY (path, number) REFERENCES versions (path, number)
);

CREATE INDEX version_chunks_by_digest ON version_chunks (digest);

CREATE INDEX aliases_by_version ON aliases (path, number);

CREATE INDEX chunks_by_last_referenced ON chunks (last_referenced_at);
