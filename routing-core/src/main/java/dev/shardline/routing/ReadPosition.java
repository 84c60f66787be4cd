package dev.shardline.routing;

/**
 * A lower bound of the WAL position a read is served at: every endpoint that may serve the read
 * had replayed (or, for the primary, written) at least up to {@code lsn} when last checked, so
 * every commit at or before it is visible to the read.
 *
 * @param shard the shard name as in shardline.yaml
 * @param lsn the position as a 64-bit integer ({@code pg_lsn}); 0 when not known yet
 */
public record ReadPosition(String shard, long lsn) {}
