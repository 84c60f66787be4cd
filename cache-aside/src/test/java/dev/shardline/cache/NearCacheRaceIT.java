package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Finding 4: the near cache never keeps a value loaded before an invalidation it has seen. */
class NearCacheRaceIT {
    @Test
    void get_callerAfterInvalidation_doesNotJoinOlderLoad() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonCacheAside cache = t.cache(
                    t.client(redis.address(), 2000),
                    t.config().nearCache(100, Duration.ofSeconds(30)).build());
            CacheKey key = CacheKey.of("row", "acme", "1");
            AtomicLong db = new AtomicLong(1);
            CountDownLatch read = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Long> before = CompletableFuture.supplyAsync(() -> cache.get(key, Long.class, () -> {
                long v = db.get();
                read.countDown();
                release.await(10, TimeUnit.SECONDS);
                return v;
            }));
            assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
            db.set(2);
            cache.invalidate(key);
            Thread late = new Thread(() -> cache.get(key, Long.class, db::get));
            late.start();
            // The late caller either loads on its own (done) or waits for the older load (parked).
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> !late.isAlive()
                            || late.getState() == Thread.State.WAITING
                            || late.getState() == Thread.State.TIMED_WAITING);
            release.countDown();
            before.get(10, TimeUnit.SECONDS);
            late.join(10_000);
            assertThat(cache.get(key, Long.class, db::get))
                    .as("value after the invalidation of 1")
                    .isEqualTo(2L);
        }
    }

    @Test
    void get_loadOutlivesTheTombstone_olderValueNotKeptLocally() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonCacheAside cache = t.cache(
                    t.client(redis.address(), 2000),
                    t.config().nearCache(100, Duration.ofMillis(300)).build());
            CacheKey key = CacheKey.of("row", "acme", "2");
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
            Thread.sleep(2_000); // past the near TTL and the tombstone (near TTL + 1 s)
            release.countDown();
            slow.get(10, TimeUnit.SECONDS);
            assertThat(cache.get(key, Long.class, db::get))
                    .as("value after the invalidation of 1")
                    .isEqualTo(2L);
        }
    }

    @Test
    void invalidate_concurrentPublishers_noGapFlushesElsewhere() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            CacheConfig cfg = t.config().nearCache(100, Duration.ofSeconds(30)).build();
            RedissonCacheAside publisher = t.cache(t.client(redis.address(), 2000), cfg);
            RedissonCacheAside listener = t.cache(t.client(redis.address(), 2000), cfg);
            CacheKey probe = CacheKey.of("row", "acme", "probe");
            listener.get(probe, Long.class, () -> 1L);
            long flushesBefore = listener.nearFlushes();
            List<Thread> threads = new ArrayList<>();
            for (int th = 0; th < 8; th++) {
                int n = th;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 200; i++) publisher.invalidate(CacheKey.of("row", "acme", "t" + n + "-" + i));
                }));
            }
            threads.forEach(Thread::start);
            for (Thread th : threads) th.join();
            CacheKey last = CacheKey.of("row", "acme", "last");
            listener.get(last, Long.class, () -> 1L);
            publisher.invalidate(last);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> listener.get(last, Long.class, () -> 2L) == 2L);
            assertThat(listener.nearFlushes() - flushesBefore)
                    .as("near-cache flushes caused by reordered sequence numbers")
                    .isZero();
        }
    }
}
