package io.modelstash.store.catalog;

import io.modelstash.store.name.ModelPath;
import java.time.Instant;

/**
 * One model path in a listing.
 *
 * @param path the path
 * @param versionCount how many versions it has
 * @param latest the newest version's number
 * @param latestCreatedAt when the newest version was committed
 * @param latestSize the length of the newest version's file
 */
public record PathSummary(
    ModelPath path, long versionCount, long latest, Instant latestCreatedAt, long latestSize) {}
