package dev.shardline.cache;

/**
 * Thrown when an invalidation could not be applied in Redis. Nothing is kept to retry later:
 * the caller still owns the invalidation (the CDC sidecar does not acknowledge the batch, so it is
 * delivered again).
 */
public class CacheUnavailableException extends ShardlineCacheException {
    private static final long serialVersionUID = 1L;

    public CacheUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
