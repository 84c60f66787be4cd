package dev.shardline.bench.cdc;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.CacheConfig;
import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.RedissonCacheAside;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Collection;
import java.util.Map;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** The cache-aside the CDC sidecar invalidates through: RedissonCacheAside on the benchmark's Redis. */
public final class BenchCache implements CacheInvalidator, AutoCloseable {
    private final RedissonClient redis;
    private final RedissonCacheAside cache;

    public BenchCache(String address) {
        Config c = new Config();
        c.useSingleServer().setAddress(address);
        redis = Redisson.create(c);
        cache = RedissonCacheAside.create(
                "orders", redis, CacheConfig.ofDefaults(), new ObjectMapper(), new SimpleMeterRegistry());
    }

    @Override
    public void invalidate(CacheKey key) {
        cache.invalidate(key);
    }

    @Override
    public void invalidateAll(Collection<CacheKey> keys) {
        cache.invalidateAll(keys);
    }

    @Override
    public void invalidateCommitted(String shard, Map<CacheKey, Long> visibleFrom, long streamLsn) {
        cache.invalidateCommitted(shard, visibleFrom, streamLsn);
    }

    @Override
    public void close() {
        cache.close();
        redis.shutdown();
    }
}
