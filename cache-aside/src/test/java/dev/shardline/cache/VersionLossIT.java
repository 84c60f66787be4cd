package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.RedisServer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/** Finding 3: losing a key's version state must make the cache refuse fills, never accept an old one (ABA). */
class VersionLossIT {
    @Test
    void fill_versionKeyLostDuringLoad_olderValueRefused() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonClient r = t.client(redis.address(), 2000);
            RedissonCacheAside cache = t.cache(r, t.config().build());
            CacheKey key = CacheKey.of("row", "acme", "7");
            AtomicLong db = new AtomicLong(1);
            CountDownLatch read = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Long> slow = CompletableFuture.supplyAsync(() -> cache.get(key, Long.class, () -> {
                long v = db.get();
                read.countDown();
                release.await(10, TimeUnit.SECONDS);
                return v;
            }));
            assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
            db.set(2);
            cache.invalidate(key);
            // Eviction, expiry or a failover loses the version key between the invalidation and the fill.
            for (String k : r.getKeys().getKeysByPattern(t.prefix + "*:v"))
                r.getBucket(k, StringCodec.INSTANCE).delete();
            release.countDown();
            assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo(1L);
            assertThat(cache.get(key, Long.class, db::get))
                    .as("value after the commit of 2")
                    .isEqualTo(2L);
        }
    }

    @Test
    void fill_afterFlushAll_refusedUntilTheSidecarRestoresTheFloor() {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonClient r = t.client(redis.address(), 2000);
            java.util.concurrent.atomic.AtomicLong replayed = new java.util.concurrent.atomic.AtomicLong(150);
            RedissonCacheAside app = t.cache(
                    r,
                    t.config()
                            .readPositions(k -> new SourcePosition("shard-0", replayed.get()))
                            .build());
            RedissonCacheAside sidecar = t.cache(r, t.config().build());
            CacheKey key = CacheKey.of("row", "acme", "9");
            sidecar.invalidateCommitted("shard-0", java.util.Map.of(key, 200L), 200L);
            assertThat(app.get(key, Long.class, () -> 1L))
                    .as("read at 150, before the commit at 200")
                    .isEqualTo(1L);
            assertThat(app.get(key, Long.class, () -> 2L))
                    .as("the read at 150 was not cached")
                    .isEqualTo(2L);

            r.getKeys().flushall(); // every version key and the floor are gone
            assertThat(app.get(key, Long.class, () -> 1L)).isEqualTo(1L);
            assertThat(app.get(key, Long.class, () -> 2L))
                    .as("no floor: nothing can be proven fresh, nothing cached")
                    .isEqualTo(2L);

            sidecar.invalidateCommitted("shard-0", java.util.Map.of(), 300L); // the sidecar's next batch
            assertThat(app.get(key, Long.class, () -> 1L))
                    .as("read at 150 < floor 300")
                    .isEqualTo(1L);
            assertThat(app.get(key, Long.class, () -> 2L)).isEqualTo(2L);
            replayed.set(300);
            assertThat(app.get(key, Long.class, () -> 3L)).isEqualTo(3L);
            assertThat(app.get(key, Long.class, () -> -1L))
                    .as("a read at the floor is cached")
                    .isEqualTo(3L);
        }
    }
}
