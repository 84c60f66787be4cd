package dev.shardline.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.app.load.Zipf;
import dev.shardline.cache.CacheConfig;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.RedissonCacheAside;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.redisson.Redisson;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;

/**
 * Cache figures against a Redis and a PostgreSQL of their own: hit latency through cache-aside vs a
 * raw Redisson {@code RBucket.get} of the same key (same client, same process); loads caused by
 * 2 × 256 concurrent misses on one key; and for a Zipf(1.1) read workload over a real table, how
 * many database queries the cache saves; and with Redis dead, how many database queries per second
 * the same offered load causes compared with no cache at all.
 */
public final class CacheBench {
    /** The cached row. */
    public record Item(long id, String name, long priceCents) {}

    private CacheBench() {}

    public static void main(String[] args) throws Exception {
        try (RedisServer redisServer = RedisServer.start();
                PgCluster pg = PgCluster.start(1, 0)) {
            RedissonClient a = client(redisServer);
            RedissonClient b = client(redisServer);
            try {
                ObjectMapper json = new ObjectMapper();
                RedissonCacheAside cache = RedissonCacheAside.create(
                        "bench",
                        a,
                        CacheConfig.builder().ttl(Duration.ofMinutes(10)).build(),
                        json,
                        new SimpleMeterRegistry());
                Results.print("cache", "hit_latency_ratio", hitRatio(cache, a));
                Results.print(
                        "cache",
                        "stampede_loads",
                        stampede(
                                cache,
                                RedissonCacheAside.create(
                                        "bench",
                                        b,
                                        CacheConfig.builder()
                                                .ttl(Duration.ofMinutes(10))
                                                .build(),
                                        json,
                                        new SimpleMeterRegistry())));
                Results.print("cache", "db_query_reduction", zipf(pg, cache));
                Results.print("cache", "near_hit_us", nearHit(a, json));
                Results.print("cache", "redis_down_db_load_ratio", redisDownLoadRatio(pg));
            } finally {
                a.shutdown();
                b.shutdown();
            }
        }
    }

    /** Mean latency of a near-cache hit (value held in this JVM), over 1,000,000 gets after warm-up. */
    static double nearHit(RedissonClient r, ObjectMapper json) {
        RedissonCacheAside near = RedissonCacheAside.create(
                "near",
                r,
                CacheConfig.builder().nearCache(10_000, Duration.ofSeconds(30)).build(),
                json,
                new SimpleMeterRegistry());
        CacheKey key = CacheKey.of("item", "t", "near");
        near.get(key, Item.class, () -> new Item(3, "near", 1));
        time(200_000, () -> near.get(key, Item.class, () -> null));
        long ns = time(1_000_000, () -> near.get(key, Item.class, () -> null));
        near.close();
        return ns / 1_000_000 / 1000.0;
    }

    private static RedissonClient client(RedisServer s) {
        Config c = new Config();
        c.useSingleServer()
                .setAddress(s.address())
                .setConnectionMinimumIdleSize(8)
                .setConnectionPoolSize(32);
        return Redisson.create(c);
    }

    /** Median-of-5 rounds of (cache-aside hit ns / raw RBucket.get ns), 20,000 calls each, alternating. */
    static double hitRatio(RedissonCacheAside cache, RedissonClient raw) throws Exception {
        CacheKey key = CacheKey.of("item", "t", "1");
        cache.put(key, new Item(1, "widget", 999));
        RBucket<byte[]> bucket = raw.getBucket(cache.redisKey(key), ByteArrayCodec.INSTANCE);
        List<Double> ratios = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            long rawNs = time(20_000, () -> bucket.get());
            long cacheNs = time(
                    20_000,
                    () -> cache.get(key, Item.class, () -> {
                        throw new IllegalStateException("must hit");
                    }));
            if (round > 0) ratios.add(cacheNs / (double) rawNs);
            System.out.printf(
                    "hit latency round %d: raw RBucket.get %.1f µs, cache-aside get %.1f µs%n",
                    round, rawNs / 20_000 / 1e3, cacheNs / 20_000 / 1e3);
        }
        ratios.sort(Double::compare);
        return ratios.get(ratios.size() / 2);
    }

    private static long time(int n, Runnable r) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) r.run();
        return System.nanoTime() - t0;
    }

    static int stampede(RedissonCacheAside a, RedissonCacheAside b) throws Exception {
        AtomicInteger loads = new AtomicInteger();
        CacheKey key = CacheKey.of("item", "t", "stampede");
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            RedissonCacheAside c = i % 2 == 0 ? a : b;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    c.get(key, Item.class, () -> {
                        loads.incrementAndGet();
                        Thread.sleep(50);
                        return new Item(2, "hot", 1);
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            threads.add(t);
            t.start();
        }
        go.countDown();
        for (Thread t : threads) t.join();
        return loads.get();
    }

    /** DB queries without cache ÷ with cache for the same 400,000 Zipf(1.1) reads over 10,000 rows. */
    static double zipf(PgCluster pg, RedissonCacheAside cache) throws Exception {
        pg.primary(0)
                .execute(
                        "CREATE TABLE items (id bigint PRIMARY KEY, name text, price_cents bigint)",
                        "INSERT INTO items SELECT g, 'item-' || g, g * 10 FROM generate_series(1, 10000) g");
        Zipf zipf = new Zipf(10_000, 1.1);
        int reads = 400_000;
        AtomicInteger dbQueries = new AtomicInteger();
        try (Connection c = DriverManager.getConnection(pg.primary(0).jdbcUrl(), "postgres", "");
                PreparedStatement ps = c.prepareStatement("SELECT id, name, price_cents FROM items WHERE id = ?")) {
            SplittableRandom rnd = new SplittableRandom(11);
            for (int i = 0; i < reads; i++) {
                long id = 1 + zipf.next(rnd);
                cache.get(CacheKey.of("item", "t", id), Item.class, () -> {
                    dbQueries.incrementAndGet();
                    ps.setLong(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return new Item(rs.getLong(1), rs.getString(2), rs.getLong(3));
                    }
                });
            }
        }
        System.out.printf(
                "zipf: %d reads, %d database queries with the cache (hit ratio %.3f)%n",
                reads, dbQueries.get(), 1 - dbQueries.get() / (double) reads);
        return reads / (double) Math.max(1, dbQueries.get());
    }

    /**
     * Database queries per second with Redis dead ÷ without any cache, for the same offered load:
     * 32 threads reading Zipf(1.1) keys over 10,000 rows with a 1 ms pause between reads, 10 s each.
     * The cache may only lower it (single flight per key, the load bulkhead), never add to it.
     */
    static double redisDownLoadRatio(PgCluster pg) throws Exception {
        pg.primary(0)
                .execute(
                        "CREATE TABLE IF NOT EXISTS down_items (id bigint PRIMARY KEY, v bigint)",
                        "INSERT INTO down_items SELECT g, g FROM generate_series(1, 10000) g ON CONFLICT DO NOTHING");
        double direct = offeredLoad(pg, null);
        try (RedisServer dead = RedisServer.start()) {
            RedissonClient c = client(dead);
            RedissonCacheAside cache = RedissonCacheAside.create(
                    "down", c, CacheConfig.builder().build(), new ObjectMapper(), new SimpleMeterRegistry());
            dead.kill();
            double withDeadRedis = offeredLoad(pg, cache);
            cache.close();
            c.shutdown();
            System.out.printf(
                    "redis down: %.0f database queries/s through the cache, %.0f/s without a cache%n",
                    withDeadRedis, direct);
            return withDeadRedis / direct;
        }
    }

    private static double offeredLoad(PgCluster pg, RedissonCacheAside cache) throws Exception {
        AtomicInteger queries = new AtomicInteger();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            int seed = t;
            threads.add(new Thread(() -> {
                Zipf zipf = new Zipf(10_000, 1.1);
                SplittableRandom rnd = new SplittableRandom(seed);
                try (Connection c = DriverManager.getConnection(pg.primary(0).jdbcUrl(), "postgres", "");
                        PreparedStatement ps = c.prepareStatement("SELECT v FROM down_items WHERE id = ?")) {
                    while (System.nanoTime() < end) {
                        long id = 1 + zipf.next(rnd);
                        dev.shardline.cache.CacheLoader<Long> load = () -> {
                            queries.incrementAndGet();
                            ps.setLong(1, id);
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                return rs.getLong(1);
                            }
                        };
                        try {
                            if (cache == null) {
                                load.load();
                            } else {
                                cache.get(CacheKey.of("down", "t", id), Long.class, load);
                            }
                        } catch (Exception shed) {
                            // a load refused by the bulkhead is not a database query
                        }
                        Thread.sleep(1);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        long t0 = System.nanoTime();
        threads.forEach(Thread::start);
        for (Thread t : threads) t.join();
        return queries.get() / ((System.nanoTime() - t0) / 1e9);
    }
}
