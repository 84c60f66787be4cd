package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheAsideIT {
    private final ObjectMapper json = new ObjectMapper();
    private RedisServer server;
    private final List<RedissonClient> clients = new ArrayList<>();

    /** A value type as an application would cache it. */
    public record Product(String sku, long priceCents) {}

    @BeforeAll
    void start() {
        server = RedisServer.start();
    }

    @AfterAll
    void stop() {
        clients.forEach(RedissonClient::shutdown);
        server.close();
    }

    private RedissonClient client() {
        Config c = new Config();
        // Generous timeouts: these tests are about coordination, and a busy 2-core CI machine must not
        // turn slow replies into "Redis down" (that path is tested with a killed server below).
        c.useSingleServer()
                .setAddress(server.address())
                .setTimeout(3000)
                .setRetryAttempts(0)
                .setConnectTimeout(3000)
                .setConnectionMinimumIdleSize(4)
                .setConnectionPoolSize(64);
        RedissonClient r = Redisson.create(c);
        clients.add(r);
        return r;
    }

    private RedissonCacheAside cache(RedissonClient r, CacheConfig cfg) {
        return RedissonCacheAside.create("products", r, cfg, json, new SimpleMeterRegistry());
    }

    private static CacheConfig.Builder config() {
        return CacheConfig.builder()
                .prefix("t" + ThreadLocalRandom.current().nextInt(1_000_000))
                .breaker(5, Duration.ofMillis(500));
    }

    @Test
    void get_twoInstances256CallersEach_loaderRunsOnce() throws Exception {
        CacheConfig cfg = config().lockWait(Duration.ofSeconds(20))
                .lockLease(Duration.ofSeconds(30))
                .build();
        RedissonCacheAside a = cache(client(), cfg);
        RedissonCacheAside b = cache(client(), cfg);
        AtomicInteger loads = new AtomicInteger();
        CacheKey key = CacheKey.of("product", "acme", "hot");
        CacheLoader<Product> loader = () -> {
            loads.incrementAndGet();
            Thread.sleep(50);
            return new Product("hot", 999);
        };
        ExecutorService pool = Executors.newFixedThreadPool(512);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Long>> calls = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            RedissonCacheAside c = i % 2 == 0 ? a : b;
            calls.add(pool.submit(() -> {
                go.await();
                long t0 = System.nanoTime();
                assertThat(c.get(key, Product.class, loader)).isEqualTo(new Product("hot", 999));
                return System.nanoTime() - t0;
            }));
        }
        go.countDown();
        long worst = 0;
        for (Future<Long> f : calls) worst = Math.max(worst, f.get());
        pool.shutdown();
        assertThat(loads.get()).isEqualTo(1);
        System.out.printf(
                "stampede: 512 callers on 2 instances, 1 load, slowest caller %.1f ms (loader 50 ms)%n", worst / 1e6);
    }

    @Test
    void invalidateDuringSlowLoad_olderValueNeverLands_thousandsOfRounds() throws Exception {
        RedissonCacheAside cache = cache(client(), config().build());
        AtomicLong db = new AtomicLong();
        int stale = 0;
        int rounds = 2000;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        for (int round = 0; round < rounds; round++) {
            CacheKey key = CacheKey.of("counter", "t", "k" + (round % 50));
            CountDownLatch readStarted = new CountDownLatch(1);
            Future<?> reader = pool.submit(() -> cache.get(key, Long.class, () -> {
                long seen = db.get();
                readStarted.countDown();
                Thread.sleep(ThreadLocalRandom.current().nextInt(2));
                return seen;
            }));
            Future<?> writer = pool.submit(() -> {
                readStarted.await(ThreadLocalRandom.current().nextInt(2), java.util.concurrent.TimeUnit.MILLISECONDS);
                db.incrementAndGet();
                cache.invalidate(key);
                return null;
            });
            reader.get();
            writer.get();
            Long cached = cache.get(key, Long.class, db::get);
            if (cached != db.get()) stale++;
        }
        pool.shutdown();
        assertThat(stale)
                .as("stale values left in the cache after a committed write")
                .isZero();
        assertThat(cache.stats().fillsRejected())
                .as("some fills lost the race to an invalidation")
                .isPositive();
    }

    @Test
    void sameIdUnderTwoTenants_neverCollide() {
        RedissonCacheAside cache = cache(client(), config().build());
        assertThat(cache.get(CacheKey.of("product", "t1", "42"), Product.class, () -> new Product("a", 1)))
                .isEqualTo(new Product("a", 1));
        assertThat(cache.get(CacheKey.of("product", "t2", "42"), Product.class, () -> new Product("b", 2)))
                .isEqualTo(new Product("b", 2));
        assertThat(cache.get(CacheKey.of("product", "t1", "42"), Product.class, () -> new Product("x", 9)))
                .isEqualTo(new Product("a", 1));
        assertThat(cache.redisKey(CacheKey.of("product", "a:b", "c")))
                .isNotEqualTo(cache.redisKey(CacheKey.of("product", "a", "b:c")));
    }

    @Test
    void jdbiTransaction_rollbackInvalidatesNothing_commitInvalidates() throws Exception {
        try (PgCluster pg = PgCluster.start(1, 0)) {
            pg.primary(0)
                    .execute(
                            "CREATE TABLE products (sku text PRIMARY KEY, price bigint)",
                            "INSERT INTO products VALUES ('p1', 100)");
            Jdbi jdbi = Jdbi.create(pg.primary(0).jdbcUrl(), "postgres", "");
            RedissonCacheAside cache = cache(client(), config().build());
            CacheKey key = CacheKey.of("product", "t", "p1");
            CacheLoader<Long> fromDb =
                    () -> jdbi.withHandle(h -> h.createQuery("SELECT price FROM products WHERE sku = 'p1'")
                            .mapTo(Long.class)
                            .one());
            assertThat(cache.get(key, Long.class, fromDb)).isEqualTo(100);
            assertThatThrownBy(() -> jdbi.useTransaction(h -> {
                        h.execute("UPDATE products SET price = 200 WHERE sku = 'p1'");
                        JdbiAfterCommit.invalidate(h, cache, key);
                        throw new IllegalStateException("business rule failed");
                    }))
                    .hasMessageContaining("business rule failed");
            assertThat(cache.get(key, Long.class, () -> -1L))
                    .as("still cached after rollback")
                    .isEqualTo(100);
            jdbi.useTransaction(h -> {
                h.execute("UPDATE products SET price = 300 WHERE sku = 'p1'");
                JdbiAfterCommit.invalidate(h, cache, key);
            });
            assertThat(cache.get(key, Long.class, fromDb)).isEqualTo(300);
            try (var c = java.sql.DriverManager.getConnection(pg.primary(0).jdbcUrl(), "postgres", "")) {
                AfterCommit.inTransaction(
                        c, cache, key, conn -> conn.createStatement().executeUpdate("UPDATE products SET price = 400"));
            }
            assertThat(cache.get(key, Long.class, fromDb)).isEqualTo(400);
        }
    }

    @Test
    void redisKilledUnderReadLoop_noFailedGets_loadsOneAtATimePerKey_hitsRecover() throws Exception {
        try (RedisServer own = RedisServer.start()) {
            Config c = new Config();
            c.useSingleServer()
                    .setAddress(own.address())
                    .setTimeout(200)
                    .setRetryAttempts(0)
                    .setConnectTimeout(200)
                    .setReconnectionDelay(d -> Duration.ofMillis(100));
            RedissonClient r = Redisson.create(c);
            clients.add(r);
            RedissonCacheAside cache = cache(r, config().build());
            AtomicInteger concurrent = new AtomicInteger();
            AtomicInteger maxConcurrentPerKey = new AtomicInteger();
            AtomicInteger failures = new AtomicInteger();
            CacheLoader<Product> loader = () -> {
                int n = concurrent.incrementAndGet();
                maxConcurrentPerKey.accumulateAndGet(n, Math::max);
                Thread.sleep(2);
                concurrent.decrementAndGet();
                return new Product("p", 1);
            };
            CacheKey key = CacheKey.of("product", "t", "one");
            Runnable loop = () -> {
                long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                for (int i = 0; i < 200_000 && System.nanoTime() < end; i++) {
                    try {
                        cache.get(key, Product.class, loader);
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                }
            };
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) threads.add(new Thread(loop));
            threads.forEach(Thread::start);
            Thread.sleep(500);
            own.kill();
            Thread.sleep(1000);
            own.restart();
            for (Thread t : threads) t.join();
            assertThat(failures.get()).as("failed gets while Redis was down").isZero();
            assertThat(maxConcurrentPerKey.get())
                    .as("database loads of one key at a time (single flight)")
                    .isEqualTo(1);
            assertThat(cache.stats().redisErrors()).isPositive();
            long hitsBefore = cache.stats().hits();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        cache.get(key, Product.class, loader);
                        return cache.stats().hits() > hitsBefore + 5;
                    });
        }
    }

    @Test
    void badInput_oversizeValue_unencodable_nullParts_clearErrors_nothingCached() {
        RedissonCacheAside cache = cache(client(), config().maxValueBytes(100).build());
        CacheKey key = CacheKey.of("blob", "t", "big");
        String big = "x".repeat(500);
        assertThatThrownBy(() -> cache.put(key, big))
                .isInstanceOf(ShardlineCacheException.class)
                .hasMessageStartingWith(
                        "cache 'products' - value for CacheKey[namespace=blob, tenant=t, id=big] is 502 bytes, over maxValueBytes 100");
        assertThat(cache.get(key, String.class, () -> big)).isEqualTo(big);
        assertThat(cache.get(key, String.class, () -> "loaded again"))
                .as("oversize value was not cached")
                .isEqualTo("loaded again");
        assertThatThrownBy(() -> cache.put(CacheKey.of("x", "t", "1"), new Object()))
                .isInstanceOf(ShardlineCacheException.class)
                .hasMessageContaining("cannot encode");
        assertThatThrownBy(() -> CacheKey.of("product", null, "1")).hasMessageContaining("tenant must not be null");
        assertThatThrownBy(() -> CacheKey.of("product", "t", "")).hasMessageContaining("id must not be empty");
        assertThatThrownBy(() -> CacheConfig.builder().ttlJitter(1.5))
                .hasMessageContaining("ttlJitter must be within [0, 1), was 1.5");
        String unique = UUID.randomUUID().toString();
        assertThat(cache.get(CacheKey.of("x", "t", unique), String.class, () -> null))
                .isNull();
    }

    @Test
    void nearCache_invalidationFromAnotherInstance_evicts_andGapFlushes() throws Exception {
        CacheConfig cfg = config().nearCache(1000, Duration.ofSeconds(30)).build();
        RedissonCacheAside a = cache(client(), cfg);
        RedissonCacheAside b = cache(client(), cfg);
        AtomicLong db = new AtomicLong(1);
        CacheKey key = CacheKey.of("product", "t", "near");
        assertThat(a.get(key, Long.class, db::get)).isEqualTo(1);
        assertThat(a.get(key, Long.class, db::get)).isEqualTo(1);
        assertThat(a.nearHits()).isPositive();
        for (int round = 0; round < 300; round++) {
            db.incrementAndGet();
            b.invalidate(key);
            long want = db.get();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(2))
                    .pollInterval(Duration.ofMillis(2))
                    .until(() -> a.get(key, Long.class, db::get) == want);
        }
        // A message this instance never saw (sequence gap) empties its near cache.
        CacheKey other = CacheKey.of("product", "t", "other");
        assertThat(a.get(other, Long.class, () -> 5L)).isEqualTo(5);
        RedissonClient raw = client();
        raw.getTopic(cfg.prefix() + ":invalidations", org.redisson.client.codec.StringCodec.INSTANCE)
                .publish("someone|1|x");
        raw.getTopic(cfg.prefix() + ":invalidations", org.redisson.client.codec.StringCodec.INSTANCE)
                .publish("someone|3|y");
        raw.getBucket(a.redisKey(other), org.redisson.client.codec.StringCodec.INSTANCE)
                .delete();
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> a.get(other, Long.class, () -> 6L) == 6L);
    }

    @Test
    void invalidateAll_manyKeys_oneCallRemovesAll() {
        RedissonCacheAside cache = cache(client(), config().build());
        List<CacheKey> keys = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            CacheKey k = CacheKey.of("bulk", "t", i);
            keys.add(k);
            cache.get(k, Integer.class, () -> 1);
        }
        cache.invalidateAll(keys);
        for (CacheKey k : keys) assertThat(cache.get(k, Integer.class, () -> 2)).isEqualTo(2);
    }

    @Test
    void getAll_mixOfHitsAndMisses_loaderGetsOnlyMissing_thenAllHit() {
        RedissonCacheAside cache = cache(client(), config().build());
        CacheKey a = CacheKey.of("product", "t", "a");
        CacheKey b = CacheKey.of("product", "t", "b");
        CacheKey gone = CacheKey.of("product", "t", "gone");
        cache.put(a, new Product("a", 1));
        List<java.util.Set<CacheKey>> asked = new ArrayList<>();
        java.util.Map<CacheKey, Product> got = cache.getAll(List.of(a, b, gone), Product.class, missing -> {
            asked.add(missing);
            return java.util.Map.of(b, new Product("b", 2));
        });
        assertThat(asked).containsExactly(java.util.Set.of(b, gone));
        assertThat(got)
                .containsEntry(a, new Product("a", 1))
                .containsEntry(b, new Product("b", 2))
                .containsEntry(gone, null);
        java.util.Map<CacheKey, Product> again = cache.getAll(List.of(a, b, gone), Product.class, missing -> {
            throw new IllegalStateException("everything is cached now, asked for " + missing);
        });
        assertThat(again).containsEntry(b, new Product("b", 2)).containsEntry(gone, null);
        cache.invalidate(b);
        assertThat(cache.getAll(List.of(b), Product.class, m -> java.util.Map.of(b, new Product("b", 3))))
                .containsEntry(b, new Product("b", 3));
    }

    @Test
    void get_twoProcesses256CallersEach_loaderRunsOnce() throws Exception {
        String prefix = "xp" + ThreadLocalRandom.current().nextInt(1_000_000);
        long startAt = System.currentTimeMillis() + 4_000;
        java.io.File log = java.io.File.createTempFile("stampede", ".log");
        Process other = new ProcessBuilder(
                        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                                .toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        StampedeProcess.class.getName(),
                        server.address(),
                        prefix,
                        "hot",
                        "256",
                        String.valueOf(startAt))
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
        double mine;
        try {
            mine = StampedeProcess.run(client(), prefix, "hot", 256, startAt);
            assertThat(other.waitFor(60, java.util.concurrent.TimeUnit.SECONDS))
                    .as("second process finished")
                    .isTrue();
        } finally {
            other.destroyForcibly();
        }
        String out = java.nio.file.Files.readString(log.toPath());
        assertThat(other.exitValue()).as(out).isZero();
        assertThat(out).contains("ok ");
        assertThat(client().getAtomicLong(prefix + ":loads:hot").get())
                .as("loads across both processes")
                .isEqualTo(1);
        System.out.printf(
                "stampede across 2 JVMs: 512 callers, 1 load; slowest caller here %.1f ms, output of the other: %s%n",
                mine, out.lines().filter(l -> l.startsWith("ok ")).findFirst().orElse(out));
    }
}
