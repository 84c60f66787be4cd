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

    /**
     * A TRUNCATE names no keys: the namespace's keys are found by SCAN and the shard's floor covers
     * keys without state. A load that read before the TRUNCATE and fills a new key while the scan runs
     * must not survive it: the floor has to rise before the scan, not after (raised after, such fills
     * were taken and, created behind the scan's cursor, never invalidated).
     */
    @Test
    void invalidateNamespace_fillsRacingTheScan_noOlderValueSurvives() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonClient r = t.client(redis.address(), 5000);
            long truncatedAt = 1_000_000;
            java.util.concurrent.atomic.AtomicLong readAt = new java.util.concurrent.atomic.AtomicLong(truncatedAt - 1);
            RedissonCacheAside app = t.cache(
                    r,
                    t.config()
                            .readPositions(k -> new SourcePosition("shard-0", readAt.get()))
                            .build());
            RedissonCacheAside sidecar = t.cache(r, t.config().build());
            sidecar.invalidateCommitted("shard-0", Map.of(), 1);
            // Other keys of the namespace make the scan take many round trips.
            org.redisson.api.RBatch fill = r.createBatch();
            for (int i = 0; i < 40_000; i++)
                fill.getBucket("sl:row:{other}:" + i + ":lock", org.redisson.client.codec.StringCodec.INSTANCE)
                        .setAsync("x");
            fill.execute();

            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger filled = new java.util.concurrent.atomic.AtomicInteger();
            Thread racer = new Thread(() -> {
                for (int i = 0; i < 1_000_000 && !stop.get(); i++) {
                    app.get(CacheKey.of("row", "racer", i), String.class, () -> "old");
                    filled.set(i + 1);
                }
            });
            racer.start();
            while (filled.get() < 20) Thread.sleep(1);
            sidecar.invalidateNamespaceCommitted("shard-0", "row", truncatedAt, truncatedAt);
            stop.set(true);
            racer.join();

            readAt.set(truncatedAt);
            java.util.List<Integer> stale = new java.util.ArrayList<>();
            for (int i = 0; i < filled.get(); i++) {
                if ("old".equals(app.get(CacheKey.of("row", "racer", i), String.class, () -> "new"))) stale.add(i);
            }
            assertThat(stale)
                    .as("keys still holding a value read before the TRUNCATE")
                    .isEmpty();
        }
    }
}
