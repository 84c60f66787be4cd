package dev.shardline.cache.internal;

import dev.shardline.cache.CacheStats;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of one cache: monotonic counts are Micrometer counters (rates work); only the breaker
 * state is a gauge. The outcome counters also mark the open trace span of the get that counted
 * them ({@link CacheTracing#traced}).
 */
public final class CacheMetrics {
    final Counter hits;
    final Counter misses;
    final Counter loads;
    final Counter staleServed;
    final Counter fillsRejected;
    final Counter redisErrors;
    final Counter lockWaits;
    final Counter refreshFailures;
    final Counter refreshesDropped;
    final Counter overloaded;
    final Counter ownWriteRefusals;
    final Timer loadTimer;
    private final CircuitBreaker breaker;

    public CacheMetrics(String name, MeterRegistry r, CircuitBreaker breaker) {
        this.breaker = breaker;
        this.hits = counter(r, name, "cache.hits", "gets answered from Redis or the near cache", CacheTracing.Mark.HIT);
        this.misses =
                counter(r, name, "cache.misses", "gets that had to load or wait for a load", CacheTracing.Mark.MISS);
        this.loads = counter(r, name, "cache.loads.started", "loader calls");
        this.staleServed = counter(
                r,
                name,
                "cache.stale.served",
                "stale values served because the loader failed",
                CacheTracing.Mark.STALE);
        this.fillsRejected = counter(
                r,
                name,
                "cache.fills.rejected",
                "fills refused: invalidated, version state lost, or read too old",
                CacheTracing.Mark.FILL_REFUSED);
        this.redisErrors = counter(
                r,
                name,
                "cache.redis.errors",
                "Redis calls that failed or were refused by the breaker",
                CacheTracing.Mark.REDIS_ERROR);
        this.lockWaits =
                counter(r, name, "cache.lock.waits", "waits for another instance's load", CacheTracing.Mark.LOCK_WAIT);
        this.refreshFailures = counter(r, name, "cache.refresh.failures", "background early refreshes that failed");
        this.refreshesDropped =
                counter(r, name, "cache.refresh.dropped", "early refreshes skipped because the refresh queue was full");
        this.overloaded =
                counter(r, name, "cache.loads.rejected", "loads refused by the bulkhead", CacheTracing.Mark.OVERLOADED);
        this.ownWriteRefusals = counter(
                r,
                name,
                "cache.own_write.refusals",
                "cached values not served here because they were read before this instance's own later write");
        this.loadTimer = Timer.builder("cache.loads").tag("cache", name).register(r);
        Gauge.builder("cache.breaker.state", breaker, b -> b.getState().getOrder())
                .tag("cache", name)
                .register(r);
    }

    private static Counter counter(
            MeterRegistry r, String cache, String name, String description, CacheTracing.Mark mark) {
        return CacheTracing.traced(counter(r, cache, name, description), mark);
    }

    private static Counter counter(MeterRegistry r, String cache, String name, String description) {
        return Counter.builder(name)
                .tag("cache", cache)
                .description(description)
                .register(r);
    }

    public CacheStats stats() {
        return new CacheStats(
                (long) hits.count(),
                (long) misses.count(),
                (long) loads.count(),
                (long) staleServed.count(),
                (long) fillsRejected.count(),
                (long) redisErrors.count(),
                breaker.getState().name().toLowerCase());
    }
}
