package dev.shardline.cache;

import java.util.Collection;
import java.util.Map;

/**
 * Removes cache entries after the data behind them changed. An invalidation that returns has been
 * applied in Redis and wins over any load of the same key still in flight; one that throws
 * {@link CacheUnavailableException} was not applied and nothing is kept to retry it: the caller
 * retries (the CDC sink does not acknowledge the batch). This is the API the CDC pipeline's cache
 * sink calls.
 */
public interface CacheInvalidator {
    /** Sentinel commit LSN for a change whose transaction's commit has not been seen yet: fills stay refused until it is. */
    long COMMIT_NOT_SEEN = Long.MAX_VALUE;

    /**
     * Invalidates one key without a source position (an application's after-commit hook).
     *
     * @throws CacheUnavailableException when Redis did not take it
     */
    void invalidate(CacheKey key);

    /** Invalidates several keys in one round trip; throws {@link CacheUnavailableException} when Redis did not take them. */
    void invalidateAll(Collection<CacheKey> keys);

    /**
     * Invalidates keys changed on {@code shard}, each at the WAL position from which its change is
     * visible ({@link #COMMIT_NOT_SEEN} when the commit is still ahead in the stream), and records
     * that the shard's change stream has been applied up to {@code streamLsn} (the shard's floor:
     * keys without version state can only be filled from reads at or past it). Applied in one round
     * trip; throws {@link CacheUnavailableException} when Redis did not take it.
     */
    default void invalidateCommitted(String shard, Map<CacheKey, Long> visibleFrom, long streamLsn) {
        if (!visibleFrom.isEmpty()) invalidateAll(visibleFrom.keySet());
    }

    /**
     * Invalidates every key of {@code namespace} at once, as a TRUNCATE of its table on
     * {@code shard} requires: each key with a value or version state in the cache becomes visible
     * from {@code visibleFrom} (or {@link #COMMIT_NOT_SEEN}), and the shard's floor rises to
     * {@code streamLsn}, which covers keys without any state. Keys of other shards' tenants in the
     * namespace are invalidated too (a conservative miss). Returns false when this invalidator cannot
     * enumerate keys; the caller then says so (those values live until their TTL).
     *
     * @throws CacheUnavailableException when Redis did not take it
     */
    default boolean invalidateNamespaceCommitted(String shard, String namespace, long visibleFrom, long streamLsn) {
        return false;
    }
}
