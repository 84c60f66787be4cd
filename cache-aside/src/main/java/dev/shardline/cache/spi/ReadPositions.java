package dev.shardline.cache.spi;

import dev.shardline.cache.CacheKey;
import dev.shardline.cache.SourcePosition;

/**
 * Tells the cache where a read of a key will be served from: a lower bound of the WAL position
 * every endpoint that may serve the read has replayed. With routing-core this is
 * {@code ShardlineDataSource.readPosition(tenant)}. It must be cheap (no round trip): it is called
 * before and after every load, and the lower of the two is the fill's position (an endpoint that
 * joined read routing during the load is then covered).
 */
@FunctionalInterface
public interface ReadPositions {
    /** Returns the lower bound for a read of {@code key} starting now, or null when unknown (the fill is then refused). */
    SourcePosition readPosition(CacheKey key);
}
