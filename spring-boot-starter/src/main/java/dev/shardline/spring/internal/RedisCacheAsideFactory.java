package dev.shardline.spring.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.CacheAside;
import dev.shardline.cache.CacheConfig;
import dev.shardline.cache.RedissonCacheAside;
import dev.shardline.spring.spi.CacheAsideFactory;
import io.micrometer.core.instrument.MeterRegistry;
import org.redisson.api.RedissonClient;

/**
 * The default {@link CacheAsideFactory}: one Redis-backed cache-aside per name, sharing the client,
 * the {@code cache:} settings, the JSON mapper and the meter registry. The only place the starter
 * names cache-aside's implementation.
 */
public final class RedisCacheAsideFactory implements CacheAsideFactory {
    private final RedissonClient redis;
    private final CacheConfig config;
    private final ObjectMapper json;
    private final MeterRegistry registry;

    public RedisCacheAsideFactory(RedissonClient redis, CacheConfig config, ObjectMapper json, MeterRegistry registry) {
        this.redis = redis;
        this.config = config;
        this.json = json;
        this.registry = registry;
    }

    @Override
    public CacheAside create(String name) {
        return RedissonCacheAside.create(name, redis, config, json, registry);
    }
}
