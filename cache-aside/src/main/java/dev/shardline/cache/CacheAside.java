package dev.shardline.cache;

/**
 * A read-through cache in front of a database: {@link #get} returns the cached value or loads it
 * once (however many callers miss at the same time, in this process or others), and an
 * invalidation always beats a load that started before it. The cache is never the reason a call
 * fails: when Redis is unavailable, {@code get} loads from the database directly.
 */
public interface CacheAside extends CacheInvalidator {
  /**
   * Returns the value of {@code key}, loading it with {@code loader} on a miss.
   *
   * @throws ShardlineCacheException only when the loader itself fails and no stale value may be served
   */
  <T> T get(CacheKey key, Class<T> type, CacheLoader<T> loader);

  /**
   * Returns the values of {@code keys} in their order: hits come from one round trip for all keys,
   * each miss loads through {@code loader} with the same protections as {@link #get}.
   */
  <T> java.util.Map<CacheKey, T> getAll(java.util.Collection<CacheKey> keys, Class<T> type, KeyLoader<T> loader);

  /** Loads the value of one key of a {@link #getAll} on a miss; may return null. */
  @FunctionalInterface
  interface KeyLoader<T> {
    T load(CacheKey key) throws Exception;
  }

  /** Stores {@code value} for {@code key} now (a write-through); the next invalidation removes it as usual. */
  <T> void put(CacheKey key, T value);

  /** Returns this cache's counters so far. */
  CacheStats stats();
}
