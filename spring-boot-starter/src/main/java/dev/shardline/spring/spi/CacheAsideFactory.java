package dev.shardline.spring.spi;

import dev.shardline.cache.CacheAside;

/**
 * Creates the cache-aside instance behind one Spring cache name. The starter's default builds a
 * Redis-backed cache from {@code shardline.yaml}'s {@code cache:} section; declare a bean of this
 * type to supply your own (another codec, another client).
 */
@FunctionalInterface
public interface CacheAsideFactory {
    /** Returns a cache for {@code name}; called once per cache name. */
    CacheAside create(String name);
}
