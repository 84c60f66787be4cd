package dev.shardline.app;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-tenant request limit shared by every instance through Redis (Redisson's rate limiter). When
 * Redis cannot answer, each instance falls back to a local limiter of the same rate, so an outage
 * makes the limit approximate, never turns requests into errors.
 */
public final class TenantRateLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(TenantRateLimiter.class);

    private final RedissonClient redis;
    private final int perSecond;
    // Without a breaker every request would wait out Redisson's timeout while Redis is down.
    private final io.github.resilience4j.circuitbreaker.CircuitBreaker breaker =
            io.github.resilience4j.circuitbreaker.CircuitBreaker.of(
                    "rate-limiter-redis",
                    io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
                            .minimumNumberOfCalls(3)
                            .slidingWindowSize(20)
                            .failureRateThreshold(50)
                            .waitDurationInOpenState(Duration.ofSeconds(1))
                            .permittedNumberOfCallsInHalfOpenState(1)
                            .build());
    private final Map<String, RRateLimiter> shared = new ConcurrentHashMap<>();
    private final Map<String, RateLimiter> local = new ConcurrentHashMap<>();

    public TenantRateLimiter(RedissonClient redis, int perSecond) {
        this.redis = redis;
        this.perSecond = perSecond;
    }

    /** Returns true if {@code tenant} may make one more request now. */
    public boolean tryAcquire(String tenant) {
        if (redis != null && breaker.tryAcquirePermission()) {
            long t0 = System.nanoTime();
            try {
                boolean ok = shared.computeIfAbsent(tenant, this::sharedLimiter).tryAcquire();
                breaker.onSuccess(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
                return ok;
            } catch (RuntimeException e) {
                breaker.onError(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS, e);
                shared.remove(tenant);
                LOG.debug(
                        "rate limiter for tenant {} - Redis unavailable, using the local limit: {}",
                        tenant,
                        e.toString());
            }
        }
        return local.computeIfAbsent(tenant, this::localLimiter).acquirePermission();
    }

    /** Seconds a limited client should wait before retrying. */
    public int retryAfterSeconds() {
        return 1;
    }

    private RRateLimiter sharedLimiter(String tenant) {
        RRateLimiter l = redis.getRateLimiter("shardline:ratelimit:{" + tenant + "}");
        l.trySetRate(RateType.OVERALL, perSecond, Duration.ofSeconds(1));
        return l;
    }

    private RateLimiter localLimiter(String tenant) {
        return RateLimiter.of(
                "tenant-" + tenant,
                RateLimiterConfig.custom()
                        .limitForPeriod(perSecond)
                        .limitRefreshPeriod(Duration.ofSeconds(1))
                        .timeoutDuration(Duration.ZERO)
                        .build());
    }
}
