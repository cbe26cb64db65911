/** The embedded default catalog: one SQLite file, shared safely by threads and processes. */
package io.modelstash.store.catalog.sqlite;
