/**
 * The shared catalog: one PostgreSQL database (or one schema of it) that many processes and
 * machines use at once, through the same SQL and schema scripts as the SQLite catalog.
 */
package io.modelstash.store.catalog.postgres;
