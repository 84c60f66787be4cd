package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.testkit.RedisCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * The cache on a real three-master Redis Cluster: without positions it works, keys of many tenants
 * spread over the masters; with positions it is refused up front with the reason, instead of every
 * call failing with CROSSSLOT (the shard floor key lives in its own hash slot).
 */
class RedisClusterIT {
    private static RedisCluster cluster;
    private static RedissonClient client;

    @BeforeAll
    static void start() {
        cluster = RedisCluster.start();
        Config c = new Config();
        var servers = c.useClusterServers().setTimeout(2000).setRetryAttempts(0);
        cluster.nodeAddresses().forEach(servers::addNodeAddress);
        client = Redisson.create(c);
    }

    @AfterAll
    static void stop() {
        if (client != null) client.shutdown();
        if (cluster != null) cluster.close();
    }

    private static RedissonCacheAside cache(CacheConfig config) {
        return RedissonCacheAside.create("cluster", client, config, new ObjectMapper(), new SimpleMeterRegistry());
    }

    private static CacheConfig.Builder config(String prefix) {
        return CacheConfig.builder().prefix(prefix).breaker(5, Duration.ofMillis(300));
    }

    @Test
    void cache_withoutPositions_loadsOnceAndInvalidatesAcrossMasters() {
        RedissonCacheAside cache = cache(config("plain").build());
        AtomicInteger loads = new AtomicInteger();
        List<CacheKey> keys = new ArrayList<>();
        // 60 tenants: their hash tags spread over the three masters' slots.
        for (int t = 0; t < 60; t++) keys.add(CacheKey.of("order", "tenant-" + t, 1));
        for (CacheKey k : keys)
            assertThat(cache.get(k, String.class, () -> "v1-" + loads.incrementAndGet()))
                    .isNotNull();
        for (CacheKey k : keys) cache.get(k, String.class, () -> "again-" + loads.incrementAndGet());
        assertThat(loads).as("the second round is served from the cluster").hasValue(60);
        assertThat(cache.stats().redisErrors()).isZero();

        cache.invalidateAll(keys);
        for (CacheKey k : keys)
            assertThat(cache.get(k, String.class, () -> "v2")).isEqualTo("v2");
        assertThat(cache.put(keys.get(0), "v3"))
                .as("put into a slot that holds a value and its version")
                .isFalse();
        cache.invalidate(keys.get(0));
        assertThat(cache.get(keys.get(0), String.class, () -> "v4")).isEqualTo("v4");
        assertThat(cache.stats().redisErrors()).isZero();
    }

    @Test
    void create_withReadPositions_refusedWithTheReason() {
        assertThatThrownBy(() -> cache(config("pos")
                        .readPositions(k -> new SourcePosition("shard-0", 1))
                        .build()))
                .isInstanceOf(ShardlineCacheException.class)
                .hasMessageStartingWith("cache 'cluster' - commit positions")
                .hasMessageContaining("CROSSSLOT")
                .hasMessageContaining("single Redis server or Sentinel");
    }

    @Test
    void invalidateCommitted_onCluster_refusedNotFailingOnEveryBatch() {
        RedissonCacheAside cache = cache(config("sidecar").build());
        CacheKey key = CacheKey.of("order", "acme", 1);
        assertThatThrownBy(() -> cache.invalidateCommitted("shard-0", Map.of(key, 100L), 101L))
                .isInstanceOf(ShardlineCacheException.class)
                .hasMessageContaining("not Redis Cluster");
        assertThatThrownBy(() -> cache.put(key, "x", new SourcePosition("shard-0", 5)))
                .isInstanceOf(ShardlineCacheException.class)
                .hasMessageContaining("not Redis Cluster");
    }
}
