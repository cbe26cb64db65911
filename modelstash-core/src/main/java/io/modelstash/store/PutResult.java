package io.modelstash.store;

import io.modelstash.store.name.Digest;
import io.modelstash.store.name.VersionId;

/** The version a put created, the file's hash and size, and what it added to the store. */
public record PutResult(
    VersionId id, Digest sha256, long size, long storedBytesAdded, String format) {}
