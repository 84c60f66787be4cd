package dev.shardline.cache;

import java.util.Map;
import java.util.Set;

/** Loads many keys at once on a miss (one query with {@code IN (...)}); keys it leaves out are cached as not found. */
@FunctionalInterface
public interface BulkLoader<T> {
    Map<CacheKey, T> load(Set<CacheKey> missing) throws Exception;
}
