package dev.shardline.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.internal.BulkLoads;
import dev.shardline.cache.internal.CacheCore;
import dev.shardline.cache.internal.CacheMetrics;
import dev.shardline.cache.internal.CacheTracing;
import dev.shardline.cache.internal.Loads;
import dev.shardline.cache.internal.RedisOps;
import dev.shardline.cache.internal.Writes;
import dev.shardline.cache.spi.ValueCodec;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.redisson.api.RedissonClient;

/**
 * {@link CacheAside} on Redis through Redisson. A hit is one GET. A miss runs one load per key:
 * callers in this process share it (single flight), other processes wait on a Redisson lock and
 * then read the filled value, and a bulkhead bounds concurrent loads. A fill is stored only if the
 * key's version is the one taken before the load and, with {@link CacheConfig#readPositions()},
 * only if the read was at or past the key's last invalidation; lost version state refuses fills.
 * Invalidations are applied in Redis before they return, or throw.
 */
public final class RedissonCacheAside implements CacheAside, AutoCloseable {
    private final CacheCore core;
    private final CacheMetrics metrics;
    private final Loads loads;
    private final BulkLoads bulk;
    private final Writes writes;
    private final CacheTracing tracing;

    private RedissonCacheAside(
            String name,
            RedissonClient redis,
            CacheConfig config,
            ValueCodec codec,
            MeterRegistry registry,
            OpenTelemetry otel) {
        this.tracing = new CacheTracing(name, otel);
        RedisOps ops = new RedisOps(redis, name, config.breakerMinimumCalls(), config.breakerWaitInOpen());
        if (config.readPositions() != null && ops.cluster()) throw Writes.clusterWithPositions(name);
        this.metrics = new CacheMetrics(name, registry, ops.breaker());
        this.core = new CacheCore(name, config, ops, codec, metrics);
        this.loads = new Loads(core);
        this.bulk = new BulkLoads(core, loads);
        this.writes = new Writes(core);
    }

    /**
     * Creates a cache called {@code name} (used in metrics and messages) on {@code redis}.
     *
     * @param json the JSON mapper of the default codec; records and beans round-trip through it
     */
    public static RedissonCacheAside create(
            String name, RedissonClient redis, CacheConfig config, ObjectMapper json, MeterRegistry registry) {
        return create(name, redis, config, JacksonCodec.of(json), registry);
    }

    /** As {@link #create(String, RedissonClient, CacheConfig, ObjectMapper, MeterRegistry)} with another codec. */
    public static RedissonCacheAside create(
            String name, RedissonClient redis, CacheConfig config, ValueCodec codec, MeterRegistry registry) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(registry, "registry");
        return new RedissonCacheAside(name, redis, config, codec, registry, null);
    }

    /**
     * As {@link #create(String, RedissonClient, CacheConfig, ValueCodec, MeterRegistry)}, tracing gets
     * and loads with {@code otel}. The other factories trace with {@code GlobalOpenTelemetry} once the
     * application or the Java agent installs it (no-op spans before).
     */
    public static RedissonCacheAside create(
            String name,
            RedissonClient redis,
            CacheConfig config,
            ValueCodec codec,
            MeterRegistry registry,
            OpenTelemetry otel) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(otel, "otel");
        return new RedissonCacheAside(name, redis, config, codec, registry, otel);
    }

    @Override
    public <T> T get(CacheKey key, Class<T> type, CacheLoader<T> loader) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(loader, "loader");
        return tracing.get(key, loader, l -> loads.get(key, type, l));
    }

    @Override
    public <T> Map<CacheKey, T> getAll(Collection<CacheKey> keys, Class<T> type, BulkLoader<T> loader) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(loader, "loader");
        return tracing.getAll(keys, loader, l -> bulk.getAll(keys, type, l));
    }

    @Override
    public <T> boolean put(CacheKey key, T value) {
        Objects.requireNonNull(key, "key");
        return writes.put(key, value, null);
    }

    @Override
    public <T> boolean put(CacheKey key, T value, SourcePosition committedAt) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(committedAt, "committedAt");
        return writes.put(key, value, committedAt);
    }

    @Override
    public void invalidate(CacheKey key) {
        Objects.requireNonNull(key, "key");
        writes.invalidateAll(List.of(key));
    }

    @Override
    public void invalidateAll(Collection<CacheKey> keys) {
        Objects.requireNonNull(keys, "keys");
        writes.invalidateAll(keys);
    }

    @Override
    public void invalidateCommitted(String shard, Map<CacheKey, Long> visibleFrom, long streamLsn) {
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(visibleFrom, "visibleFrom");
        writes.invalidateCommitted(shard, visibleFrom, streamLsn);
    }

    @Override
    public boolean invalidateNamespaceCommitted(String shard, String namespace, long visibleFrom, long streamLsn) {
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(namespace, "namespace");
        writes.invalidateNamespaceCommitted(shard, namespace, visibleFrom, streamLsn);
        return true;
    }

    /** Hits served by the near cache in this JVM (0 when it is off). */
    public long nearHits() {
        return core.near() == null ? 0 : core.near().hits();
    }

    /** Times this JVM's near cache was emptied because a message may have been lost (0 when it is off). */
    public long nearFlushes() {
        return core.near() == null ? 0 : core.near().flushes();
    }

    @Override
    public CacheStats stats() {
        return metrics.stats();
    }

    /** Returns the Redis key this cache uses for {@code key} (for operators and tests). */
    public String redisKey(CacheKey key) {
        return core.keys().value(key);
    }

    /** Returns the Redis key holding {@code shard}'s floor (for operators and tests). */
    public String floorKey(String shard) {
        return core.keys().floor(shard);
    }

    @Override
    public void close() {
        loads.close();
    }
}
