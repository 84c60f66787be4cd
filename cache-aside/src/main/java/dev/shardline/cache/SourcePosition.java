package dev.shardline.cache;

import java.util.Objects;

/**
 * A point in one shard's write-ahead log: everything committed on {@code shard} at or before
 * {@code lsn} is visible to a read made at this position. It is what makes a cache entry's
 * freshness provable: a fill read at a position at or past the key's last invalidation cannot
 * hold a value older than that invalidation.
 *
 * @param shard the shard name as in shardline.yaml (the CDC sidecar uses the same names)
 * @param lsn the WAL position as a number ({@code pg_lsn} as a 64-bit integer)
 */
public record SourcePosition(String shard, long lsn) {
    public SourcePosition {
        Objects.requireNonNull(shard, "shard");
        if (shard.isEmpty()) throw new IllegalArgumentException("source position shard must not be empty");
        if (lsn < 0) throw new IllegalArgumentException("source position lsn must be 0 or more, was " + lsn);
    }

    /** Parses PostgreSQL's text form {@code X/Y} of a {@code pg_lsn}. */
    public static long parseLsn(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("not a pg_lsn (expected X/Y), was '" + text + "'");
        return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    }
}
