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
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Cache figures against a Redis and a PostgreSQL of their own: hit latency through cache-aside vs a
 * raw Redisson {@code RBucket.get} of the same key (same client, same process); loads caused by
 * 2 × 256 concurrent misses on one key; and for a Zipf(1.1) read workload over a real table, how
 * many database queries the cache saves.
 */
public final class CacheBench {
  /** The cached row. */
  public record Item(long id, String name, long priceCents) {}

  private CacheBench() {}

  public static void main(String[] args) throws Exception {
    try (RedisServer redisServer = RedisServer.start(); PgCluster pg = PgCluster.start(1, 0)) {
      RedissonClient a = client(redisServer);
      RedissonClient b = client(redisServer);
      try {
        ObjectMapper json = new ObjectMapper();
        RedissonCacheAside cache = RedissonCacheAside.create("bench", a, CacheConfig.builder().ttl(Duration.ofMinutes(10)).build(),
            json, new SimpleMeterRegistry());
        Results.print("cache", "hit_latency_ratio", hitRatio(cache, a));
        Results.print("cache", "stampede_loads", stampede(cache, RedissonCacheAside.create("bench", b,
            CacheConfig.builder().ttl(Duration.ofMinutes(10)).build(), json, new SimpleMeterRegistry())));
        Results.print("cache", "db_query_reduction", zipf(pg, cache));
        Results.print("cache", "near_hit_us", nearHit(a, json));
      } finally {
        a.shutdown();
        b.shutdown();
      }
    }
  }

  /** Mean latency of a near-cache hit (value held in this JVM), over 1,000,000 gets after warm-up. */
  static double nearHit(RedissonClient r, ObjectMapper json) {
    RedissonCacheAside near = RedissonCacheAside.create("near", r,
        CacheConfig.builder().nearCache(10_000, Duration.ofSeconds(30)).build(), json, new SimpleMeterRegistry());
    CacheKey key = CacheKey.of("item", "t", "near");
    near.get(key, Item.class, () -> new Item(3, "near", 1));
    time(200_000, () -> near.get(key, Item.class, () -> null));
    long ns = time(1_000_000, () -> near.get(key, Item.class, () -> null));
    near.close();
    return ns / 1_000_000 / 1000.0;
  }

  private static RedissonClient client(RedisServer s) {
    Config c = new Config();
    c.useSingleServer().setAddress(s.address()).setConnectionMinimumIdleSize(8).setConnectionPoolSize(32);
    return Redisson.create(c);
  }

  /** Median-of-5 rounds of (cache-aside hit ns / raw RBucket.get ns), 20,000 calls each, alternating. */
  static double hitRatio(RedissonCacheAside cache, RedissonClient raw) throws Exception {
    CacheKey key = CacheKey.of("item", "t", "1");
    cache.put(key, new Item(1, "widget", 999));
    RBucket<String> bucket = raw.getBucket(cache.redisKey(key), StringCodec.INSTANCE);
    List<Double> ratios = new ArrayList<>();
    for (int round = 0; round < 6; round++) {
      long rawNs = time(20_000, () -> bucket.get());
      long cacheNs = time(20_000, () -> cache.get(key, Item.class, () -> {
        throw new IllegalStateException("must hit");
      }));
      if (round > 0) ratios.add(cacheNs / (double) rawNs);
      System.out.printf("hit latency round %d: raw RBucket.get %.1f µs, cache-aside get %.1f µs%n", round, rawNs / 20_000 / 1e3,
          cacheNs / 20_000 / 1e3);
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
    pg.primary(0).execute("CREATE TABLE items (id bigint PRIMARY KEY, name text, price_cents bigint)",
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
    System.out.printf("zipf: %d reads, %d database queries with the cache (hit ratio %.3f)%n", reads, dbQueries.get(),
        1 - dbQueries.get() / (double) reads);
    return reads / (double) Math.max(1, dbQueries.get());
  }
}
