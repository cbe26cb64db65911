/**
 * A {@link io.modelstash.store.blob.BlobStore} in S3-compatible object storage: {@link
 * io.modelstash.s3.S3BlobStore}, opened on an {@link io.modelstash.s3.S3Location} ({@code
 * s3://bucket/prefix} plus endpoint, region and credentials) with an {@link
 * io.modelstash.s3.S3Tuning}.
 *
 * <p>The AWS SDK lives only in this module. Objects use the same relative names as the local store
 * ({@code chunks/ab/<sha256>}, …) under the location's prefix, so stores can be copied between a
 * directory and a bucket with ordinary tools.
 */
package io.modelstash.s3;
