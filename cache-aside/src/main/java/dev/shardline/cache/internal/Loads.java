package dev.shardline.cache.internal;

import dev.shardline.cache.CacheKey;
import dev.shardline.cache.CacheLoader;
import dev.shardline.cache.CacheOverloadedException;
import dev.shardline.cache.ShardlineCacheException;
import dev.shardline.cache.SourcePosition;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read path: near cache, one GET, then on a miss one load per key (single flight in this JVM,
 * a Redisson lock across JVMs) through a bulkhead, and a fill under the version rules of
 * {@link Scripts}: the version is taken before the load and checked at the fill.
 */
public final class Loads implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Loads.class);
    private static final Object ABSENT = new Object();

    private final CacheCore core;
    private final SingleFlight flight = new SingleFlight();
    private final Bulkhead bulkhead;
    private final ThreadPoolExecutor background;

    public Loads(CacheCore core) {
        this.core = core;
        this.bulkhead = Bulkhead.of(
                "cache-" + core.name,
                BulkheadConfig.custom()
                        .maxConcurrentCalls(core.config.maxConcurrentLoads())
                        .maxWaitDuration(core.config.loadWait())
                        .writableStackTraceEnabled(false)
                        .build());
        // Bounded: refreshes are an optimisation, so when they pile up the newest are dropped (counted).
        this.background = new ThreadPoolExecutor(1, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), r -> {
            Thread t = new Thread(r, "cache-refresh-" + core.name);
            t.setDaemon(true);
            return t;
        });
    }

    public <T> T get(CacheKey key, Class<T> type, CacheLoader<T> loader) {
        String k = core.keys.value(key);
        long generation = core.generations.current();
        if (core.near != null) {
            Object local = core.near.get(k, ABSENT);
            if (local != ABSENT && (local == null || type.isInstance(local))) {
                core.metrics.hits.increment();
                return type.cast(local);
            }
        }
        Envelope e;
        try {
            e = Envelope.decode(core.ops.get(k));
        } catch (RedisOps.Unavailable u) {
            core.metrics.redisErrors.increment();
            core.metrics.misses.increment();
            return flight.run(core.generations.flightKey(k), () -> boundedLoad(key, loader, null, type));
        }
        long now = System.currentTimeMillis();
        if (e != null && e.fresh(now) && core.servable(k, key, e)) {
            T value = core.decodeOrNull(e, type, k);
            if (value != null || e.isNull()) {
                core.metrics.hits.increment();
                if (e.refreshEarly(
                        now,
                        core.config.earlyRefreshBeta(),
                        ThreadLocalRandom.current().nextDouble())) {
                    refreshInBackground(k, key, type, loader);
                }
                if (core.near != null) core.near.put(k, value, generation);
                return value;
            }
        }
        core.metrics.misses.increment();
        // The flight key changes with every invalidation seen here: a caller that arrives after one
        // never joins a load that started before it.
        T loaded = flight.run(core.generations.flightKey(k), () -> loadThroughLock(k, key, type, loader, e));
        if (core.near != null) core.near.put(k, loaded, generation);
        return loaded;
    }

    private <T> T loadThroughLock(String k, CacheKey key, Class<T> type, CacheLoader<T> loader, Envelope stale) {
        RLock lock = core.ops.client().getLock(KeyFormat.lock(k));
        boolean locked = false;
        long deadline = System.nanoTime() + core.config.lockLease().toNanos();
        try {
            // Wait in lockWait slices up to one lease, re-reading between slices: a caller that gives
            // up on the lock would otherwise load while the owner is still loading.
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) break;
                long slice = Math.min(core.config.lockWait().toMillis(), left);
                locked = core.ops.call(() -> tryLock(lock, slice));
                if (locked) break;
                core.metrics.lockWaits.increment();
                T filled = readFresh(k, key, type);
                if (filled != null) return filled;
            }
            if (locked) {
                // Another process may have filled the key while we waited for the lock.
                T filled = readFresh(k, key, type);
                if (filled != null) return filled;
            }
        } catch (RedisOps.Unavailable u) {
            core.metrics.redisErrors.increment();
            return boundedLoad(key, loader, stale, type);
        } catch (Filled f) {
            return type.cast(f.value);
        }
        try {
            return loadAndFill(k, key, type, loader, stale);
        } finally {
            if (locked) unlock(lock);
        }
    }

    /** Returns the fresh cached value, throws {@link Filled} for a cached null, returns null when there is none. */
    private <T> T readFresh(String k, CacheKey key, Class<T> type) {
        Envelope again = Envelope.decode(core.ops.get(k));
        if (again == null || !again.fresh(System.currentTimeMillis()) || !core.servable(k, key, again)) return null;
        T value = core.decodeOrNull(again, type, k);
        if (value == null && again.isNull()) throw new Filled(null);
        return value;
    }

    /** Takes the version (and read position) before the load, then fills only if both still allow it. */
    <T> T loadAndFill(String k, CacheKey key, Class<T> type, CacheLoader<T> loader, Envelope stale) {
        SourcePosition at = core.readPosition(key);
        String held = null;
        RedisOps.Slot slot = core.slot(k, at == null ? null : at.shard());
        if (!core.positional() || at != null) {
            try {
                held = core.ops.begin(slot, core.tokens.next(), core.versionPx());
                if (held != null && held.isEmpty()) held = null; // the shard's floor is missing: version state was lost
            } catch (RedisOps.Unavailable u) {
                core.metrics.redisErrors.increment();
            }
        }
        long t0 = System.nanoTime();
        T value = boundedLoad(key, loader, stale, type);
        long tookMs = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
        if (held == null) {
            core.metrics.fillsRejected.increment();
        } else {
            fill(slot, key, held, readLsn(key, at), value, tookMs);
        }
        return value;
    }

    /** The fill's read position: the lower of the bounds taken before and after the load (-1 without positions). */
    long readLsn(CacheKey key, SourcePosition before) {
        if (before == null) return -1;
        SourcePosition after = core.readPosition(key);
        // Unknown now: -1 is below every position, so the fill script refuses it.
        if (after == null || !after.shard().equals(before.shard())) return -1;
        return Math.min(before.lsn(), after.lsn());
    }

    <T> T boundedLoad(CacheKey key, CacheLoader<T> loader, Envelope stale, Class<T> type) {
        if (!bulkhead.tryAcquirePermission()) {
            core.metrics.overloaded.increment();
            T old = staleValue(stale, type, key, "the load bulkhead is full");
            if (old != null) return old;
            throw new CacheOverloadedException("cache '" + core.name + "' - " + core.config.maxConcurrentLoads()
                    + " loads already running and none finished within " + core.config.loadWait()
                    + " (Redis errors so far: "
                    + (long) core.metrics.redisErrors.count()
                    + "); the database is protected: retry later or raise cache.maxConcurrentLoads");
        }
        try {
            core.metrics.loads.increment();
            return core.metrics.loadTimer.recordCallable(loader::load);
        } catch (Exception e) {
            T old = staleValue(stale, type, key, e.toString());
            if (old != null) return old;
            if (e instanceof ShardlineCacheException s) throw s;
            throw new ShardlineCacheException(
                    "cache '" + core.name + "' - loading " + key + " failed: " + e.getMessage(), e);
        } finally {
            bulkhead.onComplete();
        }
    }

    private <T> T staleValue(Envelope stale, Class<T> type, CacheKey key, String why) {
        if (stale == null || stale.isNull()) return null;
        T old = core.decodeOrNull(stale, type, core.keys.value(key));
        if (old != null) {
            core.metrics.staleServed.increment();
            LOG.warn("cache '{}' - loading {} failed ({}); serving the stale value", core.name, key, why);
        }
        return old;
    }

    <T> void fill(RedisOps.Slot slot, CacheKey key, String held, long readLsn, T value, long loadMs) {
        byte[] payload;
        try {
            payload = value == null ? null : core.codec.encodeBytes(value);
        } catch (Exception e) {
            LOG.warn("cache '{}' - cannot encode the value of {}: {}; not cached", core.name, key, e.toString());
            return;
        }
        if (payload != null && payload.length > core.config.maxValueBytes()) {
            core.metrics.fillsRejected.increment();
            LOG.warn(
                    "cache '{}' - value of {} is over maxValueBytes {}; not cached",
                    core.name,
                    key,
                    core.config.maxValueBytes());
            return;
        }
        long ttl = value == null ? core.config.negativeTtl().toMillis() : core.jitteredTtl();
        if (ttl <= 0) return;
        byte[] stored = Envelope.encode(System.currentTimeMillis() + ttl, loadMs, readLsn, payload);
        try {
            if (!core.ops.fill(
                    slot, held, readLsn, stored, ttl + core.config.staleFor().toMillis()))
                core.metrics.fillsRejected.increment();
        } catch (RedisOps.Unavailable u) {
            core.metrics.redisErrors.increment();
        }
    }

    private <T> void refreshInBackground(String k, CacheKey key, Class<T> type, CacheLoader<T> loader) {
        // Wrapped here, in the caller's thread, so the refresh runs with the caller's context (tenant).
        Runnable task = core.config.contextPropagation().apply(() -> {
            try {
                flight.run(k + "#refresh", () -> loadAndFill(k, key, type, loader, null));
            } catch (RuntimeException e) {
                core.metrics.refreshFailures.increment();
                LOG.warn(
                        "cache '{}' - early refresh of {} failed: {}; the cached value stays until its TTL",
                        core.name,
                        key,
                        e.toString());
            }
        });
        try {
            background.execute(task);
        } catch (RejectedExecutionException full) {
            core.metrics.refreshesDropped.increment();
        }
    }

    private boolean tryLock(RLock lock, long waitMs) {
        try {
            return lock.tryLock(waitMs, core.config.lockLease().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the fill lock", e);
        }
    }

    private void unlock(RLock lock) {
        try {
            lock.unlock();
        } catch (IllegalMonitorStateException leaseExpired) {
            // The load outlived lockLease and another caller took over; its fill is version-checked too.
            LOG.warn(
                    "cache '{}' - a load took longer than lockLease {}; raise cache.lockLease",
                    core.name,
                    core.config.lockLease());
        } catch (RuntimeException e) {
            core.metrics.redisErrors.increment();
        }
    }

    /** A cached "not found" seen while waiting for the lock. */
    private static final class Filled extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Object value;

        Filled(Object value) {
            super(null, null, false, false);
            this.value = value;
        }
    }

    @Override
    public void close() {
        background.shutdownNow();
    }
}
