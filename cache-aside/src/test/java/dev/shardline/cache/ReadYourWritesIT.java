package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.RedisServer;
import dev.shardline.testkit.TcpProxy;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * Read-your-writes across instances (the consistency checker's finding after the CDC staging
 * merge: an instance read 3 after its own write of 4 was acknowledged). Another instance's fill
 * from a read before the write can be stored whenever Redis holds no record of the write; the
 * writing instance must not serve it.
 */
class ReadYourWritesIT {
    private static final CacheKey KEY = CacheKey.of("row", "acme", "4");

    @Test
    void get_ownInvalidationFailedThenOlderValueInRedis_readsOwnWrite() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TcpProxy proxy = TcpProxy.start(redis.port());
                TestCaches t = new TestCaches()) {
            AtomicLong replayed = new AtomicLong(150);
            CacheConfig.Builder cfg = t.config().readPositions(k -> new SourcePosition("shard-0", replayed.get()));
            RedissonCacheAside sidecar =
                    t.cache(t.client(redis.address(), 2000), t.config().build());
            RedissonClient writerClient = t.client(proxy.redisAddress(), 500);
            RedissonCacheAside writer = t.cache(writerClient, cfg.build());
            sidecar.invalidateCommitted("shard-0", Map.of(), 100L);
            assertThat(writer.get(KEY, Long.class, () -> 3L)).isEqualTo(3L); // cached, read at 150

            // The writer commits 4 at 200; its invalidation does not reach Redis (down for it, or breaker open).
            proxy.cut();
            assertThatThrownBy(() -> writer.invalidateCommitted("shard-0", Map.of(KEY, 200L), -1))
                    .isInstanceOf(CacheUnavailableException.class);
            proxy.restore();
            Awaitility.await().ignoreExceptions().until(() -> {
                writerClient.getBucket("probe").isExists(); // the writer's client reconnected
                return true;
            });

            assertThat(writer.get(KEY, Long.class, () -> 4L))
                    .as("the writer's read after its acknowledged write of 4")
                    .isEqualTo(4L);
            assertThat(writer.stats().redisErrors())
                    .as("the read reached Redis (not a fallback to the loader)")
                    .isEqualTo(1L);
        }
    }

    @Test
    void get_redisDownNoNearCache_afterOwnWriteDoesNotJoinOlderLoad() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonCacheAside cache =
                    t.cache(t.client(redis.address(), 300), t.config().build()); // no near cache
            redis.kill();
            AtomicLong db = new AtomicLong(3);
            CountDownLatch read = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Long> before = CompletableFuture.supplyAsync(() -> cache.get(KEY, Long.class, () -> {
                long v = db.get();
                read.countDown();
                release.await(30, TimeUnit.SECONDS);
                return v;
            }));
            assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
            db.set(4); // this JVM's commit; its invalidation cannot reach Redis
            assertThatThrownBy(() -> cache.invalidate(KEY)).isInstanceOf(CacheUnavailableException.class);
            CountDownLatch lateLoaded = new CountDownLatch(1);
            CompletableFuture<Long> after = CompletableFuture.supplyAsync(() -> cache.get(KEY, Long.class, () -> {
                lateLoaded.countDown();
                return db.get();
            }));
            // Joined to the older load, the late get would wait for it: release that only once the late one
            // loaded on its own, or after a wait that says it did not.
            lateLoaded.await(5, TimeUnit.SECONDS);
            release.countDown();
            assertThat(before.get(10, TimeUnit.SECONDS)).isEqualTo(3L);
            assertThat(after.get(10, TimeUnit.SECONDS))
                    .as("a get that began after this JVM's write of 4")
                    .isEqualTo(4L);
        }
    }

    @Test
    void get_versionLostAfterOwnInvalidationAndOlderFillStored_readsOwnWrite() {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonClient r = t.client(redis.address(), 2000);
            AtomicLong lagging = new AtomicLong(150);
            RedissonCacheAside writer = t.cache(
                    r,
                    t.config()
                            .readPositions(k -> new SourcePosition("shard-0", 250))
                            .build());
            RedissonCacheAside other = t.cache(
                    r,
                    t.config()
                            .readPositions(k -> new SourcePosition("shard-0", lagging.get()))
                            .build());
            RedissonCacheAside sidecar = t.cache(r, t.config().build());
            sidecar.invalidateCommitted("shard-0", Map.of(), 100L);

            writer.invalidateCommitted("shard-0", Map.of(KEY, 200L), -1); // the writer's commit of 4 at 200, applied
            r.getKeys().flushall(); // the version key and the floor are lost
            sidecar.invalidateCommitted(
                    "shard-0", Map.of(), 120L); // the sidecar, behind the commit, re-creates the floor
            // Another instance reads a replica at 150 (before 200): 150 >= floor 120, so Redis accepts the fill.
            assertThat(other.get(KEY, Long.class, () -> 3L)).isEqualTo(3L);
            assertThat(other.get(KEY, Long.class, () -> -1L))
                    .as("the older value is in Redis")
                    .isEqualTo(3L);

            assertThat(writer.get(KEY, Long.class, () -> 4L))
                    .as("the writer's read after its acknowledged write of 4")
                    .isEqualTo(4L);
        }
    }
}
