package dev.shardline.cache;

/** The unchecked base exception of cache-aside; messages start with {@code cache '<namespace>' - }. */
public class ShardlineCacheException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ShardlineCacheException(String message) {
        super(message);
    }

    public ShardlineCacheException(String message, Throwable cause) {
        super(message, cause);
    }
}
