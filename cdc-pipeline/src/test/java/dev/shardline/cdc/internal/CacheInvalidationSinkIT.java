package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.CacheConfig;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.RedissonCacheAside;
import dev.shardline.cdc.InvalidationRule;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.Position;
import dev.shardline.testkit.RedisServer;
import dev.shardline.testkit.TcpProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Finding 1: an invalidation batch the sidecar could not apply in Redis must not be acknowledged,
 * so a sidecar restart redelivers it instead of losing it.
 */
class CacheInvalidationSinkIT {
    private static final List<InvalidationRule> RULES =
            List.of(new InvalidationRule("items", "item", "tenant_id", "id"));

    @Test
    void apply_redisUnreachable_throws_andRedeliveryAfterRestartRemovesTheOldValue() {
        try (RedisServer redis = RedisServer.start();
                TcpProxy sidecarLink = TcpProxy.start(redis.port())) {
            CacheConfig cfg = CacheConfig.builder()
                    .prefix("sink1")
                    .breaker(3, Duration.ofMillis(300))
                    .build();
            RedissonClient appClient = client(redis.address());
            RedissonCacheAside app =
                    RedissonCacheAside.create("app", appClient, cfg, new ObjectMapper(), new SimpleMeterRegistry());
            CacheKey key = CacheKey.of("item", "acme", "7");
            assertThat(app.get(key, Long.class, () -> 1L)).isEqualTo(1L);

            ChangeBatch commitOf2 = batch(100, 120);
            RedissonClient sidecarClient = client(sidecarLink.redisAddress());
            RedissonCacheAside sidecarCache =
                    RedissonCacheAside.create("cdc", sidecarClient, cfg, new ObjectMapper(), new SimpleMeterRegistry());
            CacheInvalidationSink sink = new CacheInvalidationSink(sidecarCache, RULES);
            sidecarLink.cut(); // the sidecar loses Redis; Redis keeps its data
            assertThatThrownBy(() -> sink.apply(commitOf2)).as("a batch Redis did not take is not acknowledged");
            sink.close();
            sidecarCache.close();
            sidecarClient.shutdown(); // the sidecar restarts: nothing kept in memory survives

            sidecarLink.restore();
            RedissonClient restartedClient = client(sidecarLink.redisAddress());
            RedissonCacheAside restarted = RedissonCacheAside.create(
                    "cdc", restartedClient, cfg, new ObjectMapper(), new SimpleMeterRegistry());
            CacheInvalidationSink again = new CacheInvalidationSink(restarted, RULES);
            again.apply(commitOf2); // the pipeline redelivers the unacknowledged batch
            assertThat(app.get(key, Long.class, () -> 2L))
                    .as("value after the redelivered invalidation")
                    .isEqualTo(2L);
            again.close();
            restarted.close();
            restartedClient.shutdown();
            app.close();
            appClient.shutdown();
        }
    }

    static ChangeBatch batch(long changeLsn, long commitLsn) {
        ChangeEvent e = new ChangeEvent(
                "shard-0",
                "items",
                ChangeEvent.Op.UPSERT,
                Map.of("tenant_id", "acme", "id", "7", "val", "2"),
                List.of("tenant_id", "id"),
                new Position(50, changeLsn),
                false,
                System.currentTimeMillis());
        return new ChangeBatch("shard-0", List.of(e), "{}", new Position(commitLsn, commitLsn + 8), false);
    }

    static RedissonClient client(String address) {
        Config c = new Config();
        c.useSingleServer()
                .setAddress(address)
                .setTimeout(300)
                .setRetryAttempts(0)
                .setConnectTimeout(300)
                .setReconnectionDelay(d -> Duration.ofMillis(100));
        return Redisson.create(c);
    }
}
