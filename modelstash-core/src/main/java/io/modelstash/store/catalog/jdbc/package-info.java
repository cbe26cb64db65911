/**
 * The catalog over JDBC: {@link io.modelstash.store.catalog.jdbc.JdbcCatalog} holds all SQL, and
 * {@link io.modelstash.store.catalog.jdbc.SchemaMigrator} creates and upgrades the schema from the
 * numbered scripts {@code schema-v<N>.sql} beside it.
 *
 * <p>The SQL is kept portable between SQLite and PostgreSQL: standard types ({@code BIGINT}, {@code
 * TEXT}, {@code DOUBLE PRECISION}), natural keys instead of auto-increment columns, {@code INSERT …
 * ON CONFLICT} (supported by both), times as epoch milliseconds, {@code SUBSTR} instead of the
 * case-folding {@code LIKE}, and text ordered byte by byte where order matters (SQLite's default;
 * {@code COLLATE "C"} in PostgreSQL). A database implementation only says how to connect, how to
 * begin a transaction that will write, which errors are worth retrying or mean a lost connection,
 * and how to sort text byte by byte.
 */
package io.modelstash.store.catalog.jdbc;
