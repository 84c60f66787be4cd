package dev.shardline.cache;

/**
 * Thrown by {@code get} when the cache's database loads are all busy and none finished within the
 * bounded wait (the bulkhead is full, typically because Redis is down): the database is protected
 * from a stampede and the caller should fail fast or retry later.
 */
public class CacheOverloadedException extends ShardlineCacheException {
    private static final long serialVersionUID = 1L;

    public CacheOverloadedException(String message) {
        super(message);
    }
}
