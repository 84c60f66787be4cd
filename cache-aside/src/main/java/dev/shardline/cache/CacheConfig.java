package dev.shardline.cache;

import dev.shardline.config.ConfigNode;
import java.time.Duration;
import java.util.Objects;

/**
 * How a cache behaves: TTL with jitter, negative TTL for "not found", how long callers wait for
 * another instance's load and how long that load may hold the lock, the largest value cached,
 * the key prefix, how long a stale value may be served when the loader fails, and the XFetch β for
 * early refresh of hot keys.
 */
public record CacheConfig(
    String prefix,
    Duration ttl,
    double ttlJitter,
    Duration negativeTtl,
    Duration lockWait,
    Duration lockLease,
    int maxValueBytes,
    Duration staleFor,
    double earlyRefreshBeta,
    int breakerMinimumCalls,
    Duration breakerWaitInOpen,
    int nearCacheMaxEntries,
    Duration nearCacheTtl) {

  public static CacheConfig ofDefaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds the {@code cache:} section of shardline.yaml. */
  public static CacheConfig from(ConfigNode n) {
    n.allowOnly("prefix", "ttl", "ttlJitter", "negativeTtl", "lockWait", "lockLease", "maxValueBytes", "staleFor",
        "earlyRefreshBeta", "redis", "breaker", "nearCache");
    Builder b = builder();
    if (!n.get("prefix").isMissing()) at(n.get("prefix"), () -> b.prefix(n.get("prefix").string()));
    if (!n.get("ttl").isMissing()) at(n.get("ttl"), () -> b.ttl(n.get("ttl").duration()));
    if (!n.get("ttlJitter").isMissing()) at(n.get("ttlJitter"), () -> b.ttlJitter(Double.parseDouble(n.get("ttlJitter").string())));
    if (!n.get("negativeTtl").isMissing()) at(n.get("negativeTtl"), () -> b.negativeTtl(n.get("negativeTtl").duration()));
    if (!n.get("lockWait").isMissing()) at(n.get("lockWait"), () -> b.lockWait(n.get("lockWait").duration()));
    if (!n.get("lockLease").isMissing()) at(n.get("lockLease"), () -> b.lockLease(n.get("lockLease").duration()));
    if (!n.get("maxValueBytes").isMissing()) {
      at(n.get("maxValueBytes"), () -> b.maxValueBytes(n.get("maxValueBytes").intValue(1, 512 * 1024 * 1024)));
    }
    if (!n.get("staleFor").isMissing()) at(n.get("staleFor"), () -> b.staleFor(n.get("staleFor").duration()));
    if (!n.get("earlyRefreshBeta").isMissing()) {
      at(n.get("earlyRefreshBeta"), () -> b.earlyRefreshBeta(Double.parseDouble(n.get("earlyRefreshBeta").string())));
    }
    ConfigNode breaker = n.get("breaker");
    if (!breaker.isMissing()) {
      breaker.allowOnly("minimumCalls", "waitInOpen");
      at(breaker, () -> b.breaker(breaker.get("minimumCalls").intOr(5, 1, 10_000), breaker.get("waitInOpen").durationOr(Duration.ofSeconds(2))));
    }
    ConfigNode near = n.get("nearCache");
    if (!near.isMissing()) {
      near.allowOnly("maxEntries", "ttl");
      at(near, () -> b.nearCache(near.get("maxEntries").intValue(0, 10_000_000), near.get("ttl").durationOr(Duration.ofSeconds(2))));
    }
    return at(n, b::build);
  }

  /** Runs {@code build}, turning a builder rule violation into an error at {@code node}'s file and line. */
  private static <T> T at(ConfigNode node, java.util.function.Supplier<T> build) {
    try {
      return node.guard(build);
    } catch (ShardlineCacheException e) {
      throw node.error(e.getMessage());
    } catch (NumberFormatException e) {
      throw node.error("must be a number, was '" + node.string() + "'");
    }
  }

  /** Validating builder: each setter states the rule and the rejected value. */
  public static final class Builder {
    private String prefix = "sl";
    private Duration ttl = Duration.ofMinutes(5);
    private double ttlJitter = 0.1;
    private Duration negativeTtl = Duration.ofSeconds(30);
    private Duration lockWait = Duration.ofSeconds(2);
    private Duration lockLease = Duration.ofSeconds(10);
    private int maxValueBytes = 1024 * 1024;
    private Duration staleFor = Duration.ofMinutes(1);
    private double earlyRefreshBeta = 1.0;
    private int breakerMinimumCalls = 5;
    private Duration breakerWaitInOpen = Duration.ofSeconds(2);
    private int nearCacheMaxEntries = 0;
    private Duration nearCacheTtl = Duration.ofSeconds(2);

    public Builder prefix(String v) {
      if (v == null || !v.matches("[A-Za-z0-9_.-]{1,32}")) {
        throw new ShardlineCacheException("cache prefix must be 1-32 letters, digits, '_', '.' or '-', was '" + v + "'");
      }
      prefix = v;
      return this;
    }

    public Builder ttl(Duration v) {
      positive("ttl", v);
      ttl = v;
      return this;
    }

    public Builder ttlJitter(double v) {
      if (v < 0 || v >= 1) throw new ShardlineCacheException("ttlJitter must be within [0, 1), was " + v);
      ttlJitter = v;
      return this;
    }

    public Builder negativeTtl(Duration v) {
      if (v.isNegative()) throw new ShardlineCacheException("negativeTtl must be 0 (do not cache misses) or more, was " + v);
      negativeTtl = v;
      return this;
    }

    public Builder lockWait(Duration v) {
      positive("lockWait", v);
      lockWait = v;
      return this;
    }

    public Builder lockLease(Duration v) {
      positive("lockLease", v);
      lockLease = v;
      return this;
    }

    public Builder maxValueBytes(int v) {
      if (v < 1) throw new ShardlineCacheException("maxValueBytes must be at least 1, was " + v);
      maxValueBytes = v;
      return this;
    }

    public Builder staleFor(Duration v) {
      if (v.isNegative()) throw new ShardlineCacheException("staleFor must be 0 (never serve stale) or more, was " + v);
      staleFor = v;
      return this;
    }

    public Builder earlyRefreshBeta(double v) {
      if (v < 0) throw new ShardlineCacheException("earlyRefreshBeta must be 0 (off) or more, was " + v);
      earlyRefreshBeta = v;
      return this;
    }

    public Builder breaker(int minimumCalls, Duration waitInOpen) {
      if (minimumCalls < 1) throw new ShardlineCacheException("breaker minimumCalls must be at least 1, was " + minimumCalls);
      positive("breaker waitInOpen", waitInOpen);
      breakerMinimumCalls = minimumCalls;
      breakerWaitInOpen = waitInOpen;
      return this;
    }

    /**
     * Keeps up to {@code maxEntries} hot entries in process (0 turns the near cache off); an entry
     * is dropped on an invalidation message for a newer version and at the latest after {@code ttl},
     * which bounds how long a lost message can leave a stale copy.
     */
    public Builder nearCache(int maxEntries, Duration ttl) {
      if (maxEntries < 0) throw new ShardlineCacheException("nearCache maxEntries must be 0 (off) or more, was " + maxEntries);
      positive("nearCache ttl", ttl);
      if (ttl.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new ShardlineCacheException("nearCache ttl must be at most 1m (it bounds staleness after a lost invalidation), was " + ttl);
      }
      nearCacheMaxEntries = maxEntries;
      nearCacheTtl = ttl;
      return this;
    }

    public CacheConfig build() {
      if (lockLease.compareTo(lockWait) < 0) {
        throw new ShardlineCacheException("lockLease must be at least lockWait (a load must be able to finish while others wait), was lease="
            + lockLease + " wait=" + lockWait);
      }
      return new CacheConfig(prefix, ttl, ttlJitter, negativeTtl, lockWait, lockLease, maxValueBytes, staleFor, earlyRefreshBeta,
          breakerMinimumCalls, breakerWaitInOpen, nearCacheMaxEntries, nearCacheTtl);
    }

    private static void positive(String name, Duration v) {
      Objects.requireNonNull(v, name);
      if (v.isZero() || v.isNegative()) throw new ShardlineCacheException(name + " must be positive, was " + v);
    }
  }
}
