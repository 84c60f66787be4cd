package dev.shardline.cache;

import dev.shardline.cache.spi.ReadPositions;
import dev.shardline.config.ConfigNode;
import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * How a cache behaves: TTL with jitter, negative TTL for "not found", how long callers wait for
 * another instance's load and how long that load may hold the lock, the largest value cached,
 * the key prefix, how long a stale value may be served when the loader fails, and the XFetch β for
 * early refresh of hot keys; optionally a near cache in the JVM (entries, and the local TTL that
 * bounds staleness even if an invalidation message were lost); the bulkhead bounding concurrent
 * database loads; and two hooks that are not read from YAML: where reads are served from
 * ({@link ReadPositions}, which turns on position-versioned fills) and how background refreshes
 * carry the caller's context (the tenant).
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
        int nearMaxEntries,
        Duration nearTtl,
        Duration versionTtl,
        int maxConcurrentLoads,
        Duration loadWait,
        ReadPositions readPositions,
        UnaryOperator<Runnable> contextPropagation) {

    public static CacheConfig ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the {@code cache:} section of shardline.yaml (its {@code redis:} part is read by {@link RedisConnections}). */
    public static CacheConfig from(ConfigNode n) {
        n.allowOnly(
                "prefix",
                "ttl",
                "ttlJitter",
                "negativeTtl",
                "lockWait",
                "lockLease",
                "maxValueBytes",
                "staleFor",
                "earlyRefreshBeta",
                "redis",
                "nearCache",
                "versionTtl",
                "maxConcurrentLoads",
                "loadWait");
        Builder b = builder();
        set(n, "prefix", v -> b.prefix(v.string()));
        set(n, "ttl", v -> b.ttl(v.duration()));
        set(n, "ttlJitter", v -> b.ttlJitter(number(v)));
        set(n, "negativeTtl", v -> b.negativeTtl(v.duration()));
        set(n, "lockWait", v -> b.lockWait(v.duration()));
        set(n, "lockLease", v -> b.lockLease(v.duration()));
        set(n, "maxValueBytes", v -> b.maxValueBytes(v.intValue(1, 512 * 1024 * 1024)));
        set(n, "staleFor", v -> b.staleFor(v.duration()));
        set(n, "earlyRefreshBeta", v -> b.earlyRefreshBeta(number(v)));
        set(n, "versionTtl", v -> b.versionTtl(v.duration()));
        set(n, "maxConcurrentLoads", v -> b.maxConcurrentLoads(v.intValue(1, 100_000)));
        set(n, "loadWait", v -> b.loadWait(v.duration()));
        set(n, "nearCache", v -> {
            v.allowOnly("maxEntries", "ttl");
            b.nearCache(
                    v.get("maxEntries").intValue(0, 10_000_000), v.get("ttl").durationOr(Duration.ofSeconds(5)));
        });
        try {
            return b.build();
        } catch (ShardlineCacheException e) {
            throw n.error(e.getMessage());
        }
    }

    /** Applies one optional key, turning a builder rule violation into an error at that key's line. */
    private static void set(ConfigNode section, String key, java.util.function.Consumer<ConfigNode> apply) {
        ConfigNode v = section.get(key);
        if (v.isMissing()) return;
        try {
            apply.accept(v);
        } catch (ShardlineCacheException e) {
            throw v.error(e.getMessage());
        }
    }

    private static double number(ConfigNode v) {
        try {
            return Double.parseDouble(v.string());
        } catch (NumberFormatException e) {
            throw v.error("expected a number, was '" + v.string() + "'");
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
        private int nearMaxEntries;
        private Duration nearTtl = Duration.ofSeconds(5);
        private Duration versionTtl;
        private int maxConcurrentLoads = 16;
        private Duration loadWait = Duration.ofSeconds(1);
        private ReadPositions readPositions;
        private UnaryOperator<Runnable> contextPropagation = UnaryOperator.identity();

        /**
         * How long a key's version state (its last invalidation) is kept; a fill that finds it gone is
         * refused. Default: ttl + staleFor + lockLease + 1 h.
         */
        public Builder versionTtl(Duration v) {
            positive("versionTtl", v);
            versionTtl = v;
            return this;
        }

        /** At most {@code v} database loads of this cache run at once in this JVM (the bulkhead); default 16. */
        public Builder maxConcurrentLoads(int v) {
            if (v < 1) throw new ShardlineCacheException("maxConcurrentLoads must be at least 1, was " + v);
            maxConcurrentLoads = v;
            return this;
        }

        /** How long a load waits for room in the bulkhead before {@link CacheOverloadedException}; default 1 s. */
        public Builder loadWait(Duration v) {
            Objects.requireNonNull(v, "loadWait");
            if (v.isNegative()) throw new ShardlineCacheException("loadWait must be 0 (never wait) or more, was " + v);
            loadWait = v;
            return this;
        }

        /**
         * Where reads are served from: turns on position-versioned fills (a fill is stored only if its
         * read position is at or past the key's last invalidation). Without it, fills are versioned by
         * unique tokens only, which is enough when every read goes to the primary.
         */
        public Builder readPositions(ReadPositions v) {
            readPositions = Objects.requireNonNull(v, "readPositions");
            return this;
        }

        /**
         * Wraps work handed to a background thread (early refresh) in the calling thread, so it runs
         * with the caller's context, e.g. {@code r -> Tenants.wrap(r)} capturing the current tenant.
         */
        public Builder contextPropagation(UnaryOperator<Runnable> v) {
            contextPropagation = Objects.requireNonNull(v, "contextPropagation");
            return this;
        }

        /** Keeps up to {@code maxEntries} hot values in this JVM for {@code ttl} at most; 0 entries turns it off. */
        public Builder nearCache(int maxEntries, Duration ttl) {
            if (maxEntries < 0)
                throw new ShardlineCacheException("near cache maxEntries must be 0 (off) or more, was " + maxEntries);
            positive("near cache ttl", ttl);
            nearMaxEntries = maxEntries;
            nearTtl = ttl;
            return this;
        }

        public Builder prefix(String v) {
            if (v == null || !v.matches("[A-Za-z0-9_.-]{1,32}")) {
                throw new ShardlineCacheException(
                        "cache prefix must be 1-32 letters, digits, '_', '.' or '-', was '" + v + "'");
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
            if (v.isNegative())
                throw new ShardlineCacheException("negativeTtl must be 0 (do not cache misses) or more, was " + v);
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
            if (v.isNegative())
                throw new ShardlineCacheException("staleFor must be 0 (never serve stale) or more, was " + v);
            staleFor = v;
            return this;
        }

        public Builder earlyRefreshBeta(double v) {
            if (v < 0) throw new ShardlineCacheException("earlyRefreshBeta must be 0 (off) or more, was " + v);
            earlyRefreshBeta = v;
            return this;
        }

        public Builder breaker(int minimumCalls, Duration waitInOpen) {
            if (minimumCalls < 1)
                throw new ShardlineCacheException("breaker minimumCalls must be at least 1, was " + minimumCalls);
            positive("breaker waitInOpen", waitInOpen);
            breakerMinimumCalls = minimumCalls;
            breakerWaitInOpen = waitInOpen;
            return this;
        }

        public CacheConfig build() {
            if (lockLease.compareTo(lockWait) < 0) {
                throw new ShardlineCacheException(
                        "lockLease must be at least lockWait (a load must be able to finish while others wait), was lease="
                                + lockLease + " wait=" + lockWait);
            }
            Duration vt = versionTtl != null
                    ? versionTtl
                    : ttl.plus(staleFor).plus(lockLease).plusHours(1);
            if (vt.compareTo(ttl.plus(staleFor)) < 0) {
                throw new ShardlineCacheException(
                        "versionTtl must be at least ttl + staleFor (version state must outlive the values it guards), was "
                                + vt + " < " + ttl.plus(staleFor));
            }
            return new CacheConfig(
                    prefix,
                    ttl,
                    ttlJitter,
                    negativeTtl,
                    lockWait,
                    lockLease,
                    maxValueBytes,
                    staleFor,
                    earlyRefreshBeta,
                    breakerMinimumCalls,
                    breakerWaitInOpen,
                    nearMaxEntries,
                    nearTtl,
                    vt,
                    maxConcurrentLoads,
                    loadWait,
                    readPositions,
                    contextPropagation);
        }

        private static void positive(String name, Duration v) {
            Objects.requireNonNull(v, name);
            if (v.isZero() || v.isNegative()) throw new ShardlineCacheException(name + " must be positive, was " + v);
        }
    }
}
