package dev.shardline.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * The second "instance" of the cross-process stampede test: {@code threads} callers miss one key at
 * {@code startAtMillis}; the loader counts itself in a Redis counter both processes share. Prints
 * {@code ok <slowest ms>} when every caller got the loaded value.
 */
public final class StampedeProcess {
    private StampedeProcess() {}

    public static void main(String[] args) throws Exception {
        String address = args[0];
        String prefix = args[1];
        String id = args[2];
        int threads = Integer.parseInt(args[3]);
        long startAt = Long.parseLong(args[4]);
        Config c = new Config();
        c.useSingleServer().setAddress(address).setConnectionPoolSize(64).setConnectionMinimumIdleSize(8);
        RedissonClient redis = Redisson.create(c);
        try {
            System.out.println("ok " + run(redis, prefix, id, threads, startAt));
        } finally {
            redis.shutdown();
        }
    }

    /** Runs the callers and returns the slowest caller's latency in ms; throws if any caller got a wrong value. */
    static double run(RedissonClient redis, String prefix, String id, int threads, long startAt) throws Exception {
        RedissonCacheAside cache = RedissonCacheAside.create(
                "stampede",
                redis,
                CacheConfig.builder().prefix(prefix).build(),
                new ObjectMapper(),
                new SimpleMeterRegistry());
        CacheKey key = CacheKey.of("product", "acme", id);
        String counter = prefix + ":loads:" + id;
        CacheLoader<CacheAsideIT.Product> loader = () -> {
            redis.getAtomicLong(counter).incrementAndGet();
            Thread.sleep(50);
            return new CacheAsideIT.Product("hot", 999);
        };
        cache.get(CacheKey.of("product", "acme", "warm-" + id), CacheAsideIT.Product.class, () -> null);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch ready = new CountDownLatch(threads);
        List<Future<Long>> calls = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            calls.add(pool.submit(() -> {
                ready.countDown();
                ready.await();
                // Both processes start together at an agreed wall-clock instant (they share no latch).
                long wait = startAt - System.currentTimeMillis();
                if (wait > 0) Thread.sleep(wait);
                long t0 = System.nanoTime();
                CacheAsideIT.Product p = cache.get(key, CacheAsideIT.Product.class, loader);
                if (!p.equals(new CacheAsideIT.Product("hot", 999)))
                    throw new IllegalStateException("wrong value " + p);
                return System.nanoTime() - t0;
            }));
        }
        long worst = 0;
        for (Future<Long> f : calls) worst = Math.max(worst, f.get(30, TimeUnit.SECONDS));
        pool.shutdown();
        cache.close();
        return worst / 1e6;
    }
}
