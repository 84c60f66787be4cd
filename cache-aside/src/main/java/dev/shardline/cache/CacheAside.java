package dev.shardline.cache;

/**
 * A read-through cache in front of a database: {@link #get} returns the cached value or loads it
 * once (however many callers miss at the same time, in this process or others), and an
 * invalidation always beats a load that started before it. When Redis is unavailable, {@code get}
 * loads from the database directly, at most {@code maxConcurrentLoads} loads at a time
 * ({@link CacheOverloadedException} beyond the bounded wait).
 */
public interface CacheAside extends CacheInvalidator {
    /**
     * Returns the value of {@code key}, loading it with {@code loader} on a miss.
     *
     * @throws ShardlineCacheException when the loader fails and no stale value may be served
     * @throws CacheOverloadedException when the load bulkhead stayed full for {@code loadWait} and no stale value exists
     */
    <T> T get(CacheKey key, Class<T> type, CacheLoader<T> loader);

    /**
     * Returns the values of {@code keys} (absent keys map to null): cached ones from one Redis round
     * trip, the rest from one call of {@code loader} with just the missing keys, then filled under the
     * same version rules as {@link #get}.
     */
    <T> java.util.Map<CacheKey, T> getAll(java.util.Collection<CacheKey> keys, Class<T> type, BulkLoader<T> loader);

    /**
     * Stores {@code value} for {@code key} (a write-through) unless an invalidation is recorded for
     * the key: without a position the cache cannot tell an older write from a newer one, so it only
     * stores into an empty slot. Returns whether it was stored.
     */
    <T> boolean put(CacheKey key, T value);

    /**
     * Stores {@code value}, written by a transaction visible from {@code committedAt}, unless the
     * key's last invalidation is from a later position (a newer write). Returns whether it was stored.
     */
    <T> boolean put(CacheKey key, T value, SourcePosition committedAt);

    /** Returns this cache's counters so far. */
    CacheStats stats();
}
