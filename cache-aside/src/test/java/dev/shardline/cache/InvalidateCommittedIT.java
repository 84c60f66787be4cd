package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.RedisServer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * The sidecar's batched invalidation: many keys of many tenants go to Redis in a few script calls
 * (one per tenant and chunk), and every key still ends up with its own position.
 */
class InvalidateCommittedIT {
    @Test
    void invalidateCommitted_manyKeysOfManyTenants_eachKeyKeepsItsOwnPosition() {
        // Keys without version state take the shard's floor instead (conservative); these all have one.
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonClient r = t.client(redis.address(), 5000);
            Map<CacheKey, Long> readAt = new ConcurrentHashMap<>();
            RedissonCacheAside app = t.cache(
                    r,
                    t.config()
                            .readPositions(k -> new SourcePosition("shard-0", readAt.get(k)))
                            .build());
            RedissonCacheAside sidecar = t.cache(r, t.config().build());
            // One tenant with more keys than one script call takes, two with a few, interleaved as a
            // CDC batch would deliver them; positions differ per key, so a shuffle would show.
            Map<CacheKey, Long> visibleFrom = new LinkedHashMap<>();
            long lsn = 1_000;
            for (int i = 0; i < 700; i++) {
                String tenant = i % 7 == 0 ? "beta" : i % 11 == 0 ? "gamma" : "acme";
                visibleFrom.put(CacheKey.of("row", tenant, i), lsn);
                lsn += 10;
            }
            sidecar.invalidateCommitted("shard-0", Map.of(), 1); // the shard's floor: version state can begin
            for (CacheKey k : visibleFrom.keySet()) {
                readAt.put(k, 1L);
                app.get(k, Long.class, () -> 0L);
                assertThat(app.get(k, Long.class, () -> -1L))
                        .as("cached before the change")
                        .isEqualTo(0L);
            }
            sidecar.invalidateCommitted("shard-0", visibleFrom, lsn);

            visibleFrom.forEach((k, from) -> {
                readAt.put(k, from - 1);
                assertThat(app.get(k, Long.class, () -> 1L))
                        .as("%s: the cached value from before the change is gone", k)
                        .isEqualTo(1L);
                assertThat(app.get(k, Long.class, () -> 2L))
                        .as("%s: a read just before its commit position is not cached", k)
                        .isEqualTo(2L);
                readAt.put(k, from);
                assertThat(app.get(k, Long.class, () -> 3L)).isEqualTo(3L);
                assertThat(app.get(k, Long.class, () -> 4L))
                        .as("%s: a read at its commit position is cached", k)
                        .isEqualTo(3L);
            });
        }
    }
}
