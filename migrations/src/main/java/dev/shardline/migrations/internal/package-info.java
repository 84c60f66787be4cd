/**
 * Implementation of the per-shard migration runs and drift checks; not API, may change in any
 * release.
 */
package dev.shardline.migrations.internal;
