package dev.shardline.cache.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * Every Redis call of a cache, behind one circuit breaker: when Redis fails repeatedly the breaker
 * opens and callers go straight to the database until a probe succeeds.
 */
public final class RedisOps {
  /** Thrown when Redis must not or could not be used; callers degrade to the loader. */
  public static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  // Writes the value only if the key's version is still the one read before the load started:
  // an invalidation in between bumped it, and the older value must not land (stale set).
  private static final String FILL = "local v = redis.call('GET', KEYS[2]) "
      + "if (v or '') ~= ARGV[1] then return 0 end "
      + "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1";
  private static final String INVALIDATE = "redis.call('INCR', KEYS[2]) redis.call('PEXPIRE', KEYS[2], ARGV[1]) "
      + "redis.call('DEL', KEYS[1]) return 1";

  private final RedissonClient redis;
  private final CircuitBreaker breaker;
  private final RScript script;

  public RedisOps(RedissonClient redis, String name, int minimumCalls, Duration waitInOpen) {
    this.redis = redis;
    this.script = redis.getScript(StringCodec.INSTANCE);
    this.breaker = CircuitBreaker.of("redis-" + name, CircuitBreakerConfig.custom()
        .failureRateThreshold(50)
        .minimumNumberOfCalls(minimumCalls)
        .slidingWindowSize(Math.max(minimumCalls, 20))
        .waitDurationInOpenState(waitInOpen)
        .permittedNumberOfCallsInHalfOpenState(1)
        .slidingWindowSynchronizationStrategy(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
        .build());
  }

  public CircuitBreaker breaker() {
    return breaker;
  }

  public RedissonClient client() {
    return redis;
  }

  public String get(String key) {
    return call(() -> redis.<String>getBucket(key, StringCodec.INSTANCE).get());
  }

  public boolean fill(String key, String expectedVersion, String value, long pxMillis) {
    Long ok = call(() -> script.eval(key, RScript.Mode.READ_WRITE, FILL, RScript.ReturnType.INTEGER,
        List.of(key, KeyFormat.version(key)), expectedVersion, value, String.valueOf(pxMillis)));
    return ok != null && ok == 1L;
  }

  public void invalidate(String key, long versionTtlMillis) {
    call(() -> script.eval(key, RScript.Mode.READ_WRITE, INVALIDATE, RScript.ReturnType.INTEGER,
        List.of(key, KeyFormat.version(key)), String.valueOf(versionTtlMillis)));
  }

  /** Returns the values of {@code keys} and then of their version keys, in order, in one pipelined round trip. */
  public List<String> getWithVersions(List<String> keys) {
    return call(() -> {
      org.redisson.api.RBatch batch = redis.createBatch();
      for (String k : keys) batch.<String>getBucket(k, StringCodec.INSTANCE).getAsync();
      for (String k : keys) batch.<String>getBucket(KeyFormat.version(k), StringCodec.INSTANCE).getAsync();
      List<?> res = batch.execute().getResponses();
      List<String> out = new java.util.ArrayList<>(res.size());
      for (Object o : res) out.add((String) o);
      return out;
    });
  }

  /** Invalidates many keys in one pipelined round trip (one script call per key, batched). */
  public void invalidateAll(java.util.Collection<String> keys, long versionTtlMillis) {
    call(() -> {
      org.redisson.api.RBatch batch = redis.createBatch();
      org.redisson.api.RScriptAsync s = batch.getScript(StringCodec.INSTANCE);
      for (String key : keys) {
        s.evalAsync(key, RScript.Mode.READ_WRITE, INVALIDATE, RScript.ReturnType.INTEGER,
            List.of(key, KeyFormat.version(key)), String.valueOf(versionTtlMillis));
      }
      return batch.execute();
    });
  }

  /** Runs {@code op} if the breaker allows, recording its outcome; failures become {@link Unavailable}. */
  public <T> T call(Supplier<T> op) {
    if (!breaker.tryAcquirePermission()) throw new Unavailable("circuit breaker open", null);
    long t0 = System.nanoTime();
    try {
      T out = op.get();
      breaker.onSuccess(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
      return out;
    } catch (RuntimeException e) {
      breaker.onError(System.nanoTime() - t0, TimeUnit.NANOSECONDS, e);
      throw new Unavailable(e.getMessage(), e);
    }
  }
}
