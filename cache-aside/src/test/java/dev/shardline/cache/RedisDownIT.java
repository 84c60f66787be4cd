package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Finding 6: with Redis down, database load is bounded; lock waiters do not load; refreshes keep the tenant. */
class RedisDownIT {
    @Test
    void get_redisDown64CallersOnDistinctKeys_concurrentLoadsBounded() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonCacheAside cache = t.cache(
                    t.client(redis.address(), 200),
                    t.config()
                            .maxConcurrentLoads(8)
                            .loadWait(java.time.Duration.ofSeconds(30))
                            .build());
            redis.kill();
            AtomicInteger running = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(64);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                CacheKey key = CacheKey.of("row", "acme", i);
                calls.add(pool.submit(() -> {
                    go.await();
                    return cache.get(key, Long.class, () -> {
                        most.accumulateAndGet(running.incrementAndGet(), Math::max);
                        Thread.sleep(50);
                        running.decrementAndGet();
                        return 1L;
                    });
                }));
            }
            go.countDown();
            int failed = 0;
            for (Future<?> f : calls) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    failed++;
                }
            }
            pool.shutdown();
            assertThat(most.get())
                    .as("concurrent database loads of one cache while Redis is down")
                    .isLessThanOrEqualTo(8);
            System.out.printf(
                    "redis down: 64 callers, at most %d loads at once, %d rejected by the bulkhead%n",
                    most.get(), failed);
        }
    }

    @Test
    void get_lockWaitExpiresWhileAnotherInstanceLoads_noSecondLoad() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            CacheConfig cfg = t.config()
                    .lockWait(java.time.Duration.ofMillis(100))
                    .lockLease(java.time.Duration.ofSeconds(10))
                    .build();
            RedissonCacheAside a = t.cache(t.client(redis.address(), 2000), cfg);
            RedissonCacheAside b = t.cache(t.client(redis.address(), 2000), cfg);
            CacheKey key = CacheKey.of("row", "acme", "slow");
            AtomicInteger loads = new AtomicInteger();
            CountDownLatch loading = new CountDownLatch(1);
            Thread first = new Thread(() -> a.get(key, Long.class, () -> {
                loads.incrementAndGet();
                loading.countDown();
                Thread.sleep(1000);
                return 1L;
            }));
            first.start();
            assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(b.get(key, Long.class, () -> {
                        loads.incrementAndGet();
                        return 1L;
                    }))
                    .isEqualTo(1L);
            first.join();
            assertThat(loads.get())
                    .as("loads: the waiter read the first instance's fill")
                    .isEqualTo(1);
        }
    }

    static final ThreadLocal<String> TENANT = new ThreadLocal<>();

    @Test
    void earlyRefresh_runsInBackground_withTheCallersTenantContext() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            CacheConfig cfg = t.config()
                    .earlyRefreshBeta(1e9)
                    .contextPropagation(task -> {
                        String captured = TENANT.get(); // taken in the caller's thread
                        return () -> {
                            TENANT.set(captured);
                            try {
                                task.run();
                            } finally {
                                TENANT.remove();
                            }
                        };
                    })
                    .build();
            RedissonCacheAside cache = t.cache(t.client(redis.address(), 2000), cfg);
            CacheKey key = CacheKey.of("row", "acme", "hot");
            AtomicReference<String> seenInRefresh = new AtomicReference<>();
            AtomicInteger loads = new AtomicInteger();
            CacheLoader<Long> loader = () -> {
                String tenant = TENANT.get();
                if (loads.incrementAndGet() > 1) seenInRefresh.compareAndSet(null, String.valueOf(tenant));
                if (tenant == null) throw new IllegalStateException("no tenant in context");
                Thread.sleep(5);
                return 1L;
            };
            TENANT.set("acme");
            try {
                cache.get(key, Long.class, loader);
                cache.get(key, Long.class, loader); // a hit that triggers the early refresh
            } finally {
                TENANT.remove();
            }
            Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> seenInRefresh.get() != null);
            assertThat(seenInRefresh.get())
                    .as("tenant seen by the background refresh")
                    .isEqualTo("acme");
        }
    }
}
