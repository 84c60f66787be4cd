package dev.shardline.cache;

import java.util.Collection;

/**
 * Removes cache entries after the data behind them changed. Implementations make the removal win
 * over any load of the same key that is still in flight (no stale set after an invalidation).
 * This is the API the CDC pipeline's cache sink calls.
 */
public interface CacheInvalidator {
  /** Invalidates one key; never throws because the cache is unavailable (the failure is recorded). */
  void invalidate(CacheKey key);

  /** Invalidates several keys, in one round trip where the backing store allows it. */
  void invalidateAll(Collection<CacheKey> keys);
}
