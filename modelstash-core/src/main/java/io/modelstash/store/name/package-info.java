/**
 * Names in the store: {@link io.modelstash.store.name.ModelPath model paths}, {@link
 * io.modelstash.store.name.Ref refs} that select a version, {@link
 * io.modelstash.store.name.AliasName alias names}, {@link io.modelstash.store.name.VersionId
 * version ids} and SHA-256 {@link io.modelstash.store.name.Digest digests}.
 *
 * <p>Every type here is an immutable value that parses exactly what it prints. Bad user input is
 * refused with an {@link io.modelstash.store.name.InvalidNameException} whose message is one line
 * saying what is wrong and what is allowed.
 */
package io.modelstash.store.name;
