package dev.shardline.cdc.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.CacheConfig;
import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.RedisConnections;
import dev.shardline.cache.RedissonCacheAside;
import dev.shardline.cdc.CdcConfig;
import dev.shardline.config.ConfigNode;
import dev.shardline.config.ShardlineConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.api.RedissonClient;

/**
 * The sidecar's cache invalidator: a {@link RedissonCacheAside} on the Redis of the {@code cache:}
 * section ({@code cache.redis.address}), so CDC invalidations follow the same version rules as the
 * application's cache. While Redis refuses them, gauge {@code cache.invalidation.backlog}
 * (Prometheus: {@code cache_invalidation_backlog}) counts the invalidations of the batches held
 * back, per shard; nothing is queued here: the pipeline holds its position and redelivers.
 */
public final class SidecarCache implements CacheInvalidator, AutoCloseable {
    private final RedissonClient redis;
    private final RedissonCacheAside cache;

    private final Map<String, Integer> backlog = new ConcurrentHashMap<>();

    private SidecarCache(RedissonClient redis, RedissonCacheAside cache, MeterRegistry registry) {
        this.redis = redis;
        this.cache = cache;
        Gauge.builder(
                        "cache.invalidation.backlog",
                        backlog,
                        b -> b.values().stream().mapToInt(Integer::intValue).sum())
                .description("invalidations held back because Redis did not take them (the CDC position waits)")
                .register(registry);
    }

    /** Returns the invalidator for {@code cdc.invalidate}, or {@code null} when there are no rules. */
    public static SidecarCache open(ShardlineConfig config, CdcConfig cdc, MeterRegistry registry) {
        if (cdc.invalidations().isEmpty()) return null;
        ConfigNode section = config.section("cache");
        java.nio.file.Path base = config.yaml()
                .map(y -> java.nio.file.Path.of(y.source()).toAbsolutePath().getParent())
                .orElse(java.nio.file.Path.of("."));
        if (section.get("redis").isMissing()) {
            throw section.get("redis")
                    .error(
                            "is required by cdc.invalidate: set cache.redis.address (or cache.redis.config for Cluster/Sentinel)");
        }
        RedissonClient client = RedisConnections.fromConfig(section.get("redis"), base);
        if (client.getConfig().isClusterConfig()) {
            client.shutdown();
            throw section.get("redis")
                    .error("is a Redis Cluster: cdc.invalidate needs a single Redis server or a Sentinel group. Each "
                            + "invalidation also moves its shard's floor key, which Cluster keeps in another hash slot, "
                            + "so every batch would fail with CROSSSLOT and the shard's stream would stop");
        }
        return new SidecarCache(
                client,
                RedissonCacheAside.create("cdc", client, CacheConfig.from(section), new ObjectMapper(), registry),
                registry);
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
        try {
            cache.invalidateCommitted(shard, visibleFrom, streamLsn);
            backlog.remove(shard);
        } catch (RuntimeException e) {
            backlog.put(shard, Math.max(1, visibleFrom.size()));
            throw e;
        }
    }

    @Override
    public void close() {
        cache.close();
        redis.shutdown();
    }
}
