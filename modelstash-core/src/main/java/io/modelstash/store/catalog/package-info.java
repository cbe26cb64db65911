/**
 * The catalog: the store's only mutable state. It holds model paths, numbered versions with their
 * metadata, aliases, and records of the chunks versions use, and changes them in transactions. The
 * SPI is {@link io.modelstash.store.catalog.Catalog}; JDBC implementations live in {@code
 * catalog.jdbc} (shared SQL and migrations) and {@code catalog.sqlite} (the embedded default).
 */
package io.modelstash.store.catalog;
