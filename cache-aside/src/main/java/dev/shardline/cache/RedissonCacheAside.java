package dev.shardline.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.internal.Envelope;
import dev.shardline.cache.internal.KeyFormat;
import dev.shardline.cache.internal.NearCache;
import dev.shardline.cache.internal.RedisOps;
import dev.shardline.cache.internal.SingleFlight;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CacheAside} on Redis through Redisson. A hit is one GET. A miss runs one load per key:
 * callers in this process share it (single flight) and other processes wait on a Redisson lock and
 * then read the filled value. Every fill is a compare-and-set against the key's version, which an
 * invalidation bumps, so a load that started before an invalidation can never write its older
 * value afterwards. Invalidations that cannot reach Redis are retried until they do.
 */
public final class RedissonCacheAside implements CacheAside, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedissonCacheAside.class);

  private final String name;
  private final CacheConfig config;
  private final RedisOps ops;
  private final KeyFormat keys;
  private final dev.shardline.cache.spi.ValueCodec json;
  private final SingleFlight flight = new SingleFlight();
  private final Set<String> pendingInvalidations = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService background;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder stale = new LongAdder();
  private final LongAdder rejectedFills = new LongAdder();
  private final LongAdder redisErrors = new LongAdder();
  private final NearCache near;
  private static final Object ABSENT = new Object();
  private final Counter lockWaits;
  private final Timer loadTimer;

  private RedissonCacheAside(String name, RedissonClient redis, CacheConfig config, dev.shardline.cache.spi.ValueCodec json,
      MeterRegistry registry) {
    this.name = name;
    this.config = config;
    this.ops = new RedisOps(redis, name, config.breakerMinimumCalls(), config.breakerWaitInOpen());
    this.keys = new KeyFormat(config.prefix());
    this.json = json;
    this.background = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "cache-" + name);
      t.setDaemon(true);
      return t;
    });
    background.scheduleWithFixedDelay(this::retryInvalidations, 200, 200, TimeUnit.MILLISECONDS);
    this.near = config.nearMaxEntries() > 0
        // One topic per prefix, not per cache name: the CDC sidecar's invalidations must reach every near cache.
        ? new NearCache(ops, config.prefix() + ":invalidations", config.nearMaxEntries(), config.nearTtl()) : null;
    this.lockWaits = Counter.builder("cache.lock.waits").tag("cache", name).register(registry);
    this.loadTimer = Timer.builder("cache.loads").tag("cache", name).register(registry);
    registerMeters(registry);
  }

  /**
   * Creates a cache called {@code name} (used in metrics and messages) on {@code redis}.
   *
   * @param json the JSON mapper of the default codec; records and beans round-trip through it
   */
  public static RedissonCacheAside create(String name, RedissonClient redis, CacheConfig config, ObjectMapper json, MeterRegistry registry) {
    return create(name, redis, config, JacksonCodec.of(json), registry);
  }

  /** As {@link #create(String, RedissonClient, CacheConfig, ObjectMapper, MeterRegistry)} with another codec. */
  public static RedissonCacheAside create(String name, RedissonClient redis, CacheConfig config, dev.shardline.cache.spi.ValueCodec json,
      MeterRegistry registry) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(registry, "registry");
    return new RedissonCacheAside(name, redis, config, json, registry);
  }

  @Override
  public <T> T get(CacheKey key, Class<T> type, CacheLoader<T> loader) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(loader, "loader");
    String k = keys.value(key);
    long token = 0;
    if (near != null) {
      Object local = near.get(k, ABSENT);
      if (local != ABSENT && (local == null || type.isInstance(local))) {
        hits.increment();
        return type.cast(local);
      }
      token = near.beforeRead();
    }
    Envelope e;
    try {
      e = Envelope.decode(ops.get(k));
    } catch (RedisOps.Unavailable u) {
      redisErrors.increment();
      misses.increment();
      return flight.run(k, () -> load(key, loader, null, type));
    }
    long now = System.currentTimeMillis();
    if (e != null && e.fresh(now)) {
      T value = decodeOrNull(e, type, k);
      if (value != null || e.isNull()) {
        hits.increment();
        if (e.refreshEarly(now, config.earlyRefreshBeta(), ThreadLocalRandom.current().nextDouble())) {
          background.execute(() -> refresh(k, key, type, loader));
        }
        if (near != null) near.put(k, value, token);
        return value;
      }
    }
    misses.increment();
    T loaded = flight.run(k, () -> loadThroughLock(k, key, type, loader, e));
    if (near != null) near.put(k, loaded, token);
    return loaded;
  }

  private <T> T loadThroughLock(String k, CacheKey key, Class<T> type, CacheLoader<T> loader, Envelope stale) {
    RLock lock = ops.client().getLock(KeyFormat.lock(k));
    boolean locked;
    long waitStart = System.nanoTime();
    try {
      locked = ops.call(() -> tryLock(lock));
    } catch (RedisOps.Unavailable u) {
      redisErrors.increment();
      return load(key, loader, stale, type);
    }
    if (System.nanoTime() - waitStart > 1_000_000) lockWaits.increment();
    try {
      if (locked) {
        // Another process may have filled the key while we waited for the lock.
        Envelope again = Envelope.decode(ops.get(k));
        if (again != null && again.fresh(System.currentTimeMillis())) {
          T value = decodeOrNull(again, type, k);
          if (value != null || again.isNull()) return value;
        }
      }
      return loadAndFill(k, key, type, loader, stale);
    } catch (RedisOps.Unavailable u) {
      redisErrors.increment();
      return load(key, loader, stale, type);
    } finally {
      if (locked) unlock(lock);
    }
  }

  /** Reads the key's version first, then the database, then fills only if the version is unchanged. */
  private <T> T loadAndFill(String k, CacheKey key, Class<T> type, CacheLoader<T> loader, Envelope stale) {
    String version = orEmpty(ops.get(KeyFormat.version(k)));
    long t0 = System.nanoTime();
    T value = load(key, loader, stale, type);
    long tookMs = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
    fill(k, key, version, value, tookMs);
    return value;
  }

  private <T> T load(CacheKey key, CacheLoader<T> loader, Envelope stale, Class<T> type) {
    loads.increment();
    try {
      return loadTimer.recordCallable(loader::load);
    } catch (Exception e) {
      if (stale != null && !stale.isNull()) {
        T old = decodeOrNull(stale, type, keys.value(key));
        if (old != null) {
          this.stale.increment();
          LOG.warn("cache '{}' - loading {} failed ({}); serving the stale value", name, key, e.toString());
          return old;
        }
      }
      throw new ShardlineCacheException("cache '" + name + "' - loading " + key + " failed: " + e.getMessage(), e);
    }
  }

  private <T> void fill(String k, CacheKey key, String version, T value, long loadMs) {
    String payload;
    try {
      payload = value == null ? Envelope.NULL : json.encode(value);
    } catch (Exception e) {
      LOG.warn("cache '{}' - cannot encode the value of {}: {}; not cached", name, key, e.toString());
      return;
    }
    if (payload.getBytes(StandardCharsets.UTF_8).length > config.maxValueBytes()) {
      rejectedFills.increment();
      LOG.warn("cache '{}' - value of {} is over maxValueBytes {}; not cached", name, key, config.maxValueBytes());
      return;
    }
    long ttl = value == null ? config.negativeTtl().toMillis() : jittered(config.ttl().toMillis());
    if (ttl <= 0) return;
    Envelope e = new Envelope(System.currentTimeMillis() + ttl, loadMs, payload);
    if (!ops.fill(k, version, e.encode(), ttl + config.staleFor().toMillis())) rejectedFills.increment();
  }

  private <T> void refresh(String k, CacheKey key, Class<T> type, CacheLoader<T> loader) {
    try {
      flight.run(k + "#refresh", () -> loadAndFill(k, key, type, loader, null));
    } catch (RuntimeException e) {
      LOG.debug("cache '{}' - early refresh of {} failed: {}", name, key, e.toString());
    }
  }

  @Override
  public <T> java.util.Map<CacheKey, T> getAll(Collection<CacheKey> all, Class<T> type, BulkLoader<T> loader) {
    Objects.requireNonNull(all, "keys");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(loader, "loader");
    java.util.List<CacheKey> list = java.util.List.copyOf(new java.util.LinkedHashSet<>(all));
    java.util.List<String> ks = list.stream().map(keys::value).toList();
    java.util.Map<CacheKey, T> out = new java.util.LinkedHashMap<>();
    java.util.Map<CacheKey, String> versions = new java.util.LinkedHashMap<>();
    java.util.List<String> raw;
    try {
      // Versions are read in the same round trip, before the database: a later invalidation wins.
      raw = ops.getWithVersions(ks);
    } catch (RedisOps.Unavailable u) {
      redisErrors.increment();
      raw = null;
    }
    long now = System.currentTimeMillis();
    for (int i = 0; i < list.size(); i++) {
      Envelope e = raw == null ? null : Envelope.decode(raw.get(i));
      if (e != null && e.fresh(now)) {
        T v = decodeOrNull(e, type, ks.get(i));
        if (v != null || e.isNull()) {
          hits.increment();
          out.put(list.get(i), v);
          continue;
        }
      }
      misses.increment();
      versions.put(list.get(i), raw == null ? null : orEmpty(raw.get(list.size() + i)));
    }
    if (versions.isEmpty()) return out;
    java.util.Map<CacheKey, T> loaded;
    long t0 = System.nanoTime();
    try {
      loads.increment();
      loaded = loader.load(java.util.Collections.unmodifiableSet(versions.keySet()));
    } catch (Exception e) {
      throw new ShardlineCacheException("cache '" + name + "' - loading " + versions.size() + " keys failed: " + e.getMessage(), e);
    }
    long tookMs = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
    versions.forEach((k, version) -> {
      T v = loaded == null ? null : loaded.get(k);
      out.put(k, v);
      if (version != null) {
        try {
          fill(keys.value(k), k, version, v, tookMs);
        } catch (RedisOps.Unavailable u) {
          redisErrors.increment();
        }
      }
    });
    return out;
  }

  @Override
  public <T> void put(CacheKey key, T value) {
    Objects.requireNonNull(key, "key");
    String payload;
    try {
      payload = value == null ? Envelope.NULL : json.encode(value);
    } catch (Exception e) {
      throw new ShardlineCacheException("cache '" + name + "' - cannot encode the value for " + key + ": " + e.getMessage()
          + "; make the type serializable by Jackson", e);
    }
    int size = payload.getBytes(StandardCharsets.UTF_8).length;
    if (size > config.maxValueBytes()) {
      throw new ShardlineCacheException("cache '" + name + "' - value for " + key + " is " + size + " bytes, over maxValueBytes "
          + config.maxValueBytes() + "; nothing cached. Cache a smaller projection or raise cache.maxValueBytes");
    }
    String k = keys.value(key);
    try {
      String version = orEmpty(ops.get(KeyFormat.version(k)));
      long ttl = jittered(config.ttl().toMillis());
      ops.fill(k, version, new Envelope(System.currentTimeMillis() + ttl, 0, payload).encode(), ttl + config.staleFor().toMillis());
    } catch (RedisOps.Unavailable u) {
      redisErrors.increment();
    }
  }

  @Override
  public void invalidate(CacheKey key) {
    Objects.requireNonNull(key, "key");
    invalidateRaw(keys.value(key));
  }

  /** Invalidates every key in one pipelined round trip; keys Redis could not take are retried like single ones. */
  @Override
  public void invalidateAll(Collection<CacheKey> all) {
    if (all.isEmpty()) return;
    if (all.size() == 1) {
      invalidate(all.iterator().next());
      return;
    }
    java.util.List<String> ks = all.stream().map(keys::value).toList();
    if (near != null) ks.forEach(near::evictLocal);
    try {
      ops.invalidateAll(ks, versionTtlMillis());
      if (near != null) near.invalidatedAll(ks);
      ks.forEach(pendingInvalidations::remove);
    } catch (RedisOps.Unavailable u) {
      redisErrors.increment();
      pendingInvalidations.addAll(ks);
    }
  }

  private void invalidateRaw(String k) {
    // Evicted again after Redis: a read between the two could have put back the older value.
    if (near != null) near.evictLocal(k);
    try {
      ops.invalidate(k, versionTtlMillis());
      if (near != null) near.invalidated(k);
      pendingInvalidations.remove(k);
    } catch (RedisOps.Unavailable u) {
      redisErrors.increment();
      // Kept until Redis takes it: a lost invalidation would leave a stale value behind.
      pendingInvalidations.add(k);
    }
  }

  private void retryInvalidations() {
    for (String k : pendingInvalidations) {
      try {
        ops.invalidate(k, versionTtlMillis());
        if (near != null) near.invalidated(k);
        pendingInvalidations.remove(k);
      } catch (RuntimeException e) {
        return;
      }
    }
  }

  /** Hits served by the near cache in this JVM (0 when it is off). */
  public long nearHits() {
    return near == null ? 0 : near.hits();
  }

  /** Times this JVM's near cache was emptied because a message may have been lost (0 when it is off). */
  public long nearFlushes() {
    return near == null ? 0 : near.flushes();
  }

  /** Invalidations waiting for Redis to come back. */
  public int pendingInvalidations() {
    return pendingInvalidations.size();
  }

  private long versionTtlMillis() {
    // The version must outlive any load that read it, or a late fill could match a reset counter.
    return config.ttl().toMillis() + config.staleFor().toMillis() + config.lockLease().toMillis() + 3_600_000L;
  }

  @Override
  public CacheStats stats() {
    return new CacheStats(hits.sum(), misses.sum(), loads.sum(), stale.sum(), rejectedFills.sum(), redisErrors.sum(),
        ops.breaker().getState().name().toLowerCase());
  }

  /** Returns the Redis key this cache uses for {@code key} (for operators and tests). */
  public String redisKey(CacheKey key) {
    return keys.value(key);
  }

  private boolean tryLock(RLock lock) {
    try {
      return lock.tryLock(config.lockWait().toMillis(), config.lockLease().toMillis(), TimeUnit.MILLISECONDS);
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
      LOG.warn("cache '{}' - a load took longer than lockLease {}; raise cache.lockLease", name, config.lockLease());
    } catch (RuntimeException e) {
      redisErrors.increment();
    }
  }

  private <T> T decodeOrNull(Envelope e, Class<T> type, String k) {
    if (e.isNull()) return null;
    try {
      return json.decode(e.payload(), type);
    } catch (Exception ex) {
      LOG.warn("cache '{}' - cannot decode {} as {} ({}); treating it as a miss", name, k, type.getSimpleName(), ex.toString());
      return null;
    }
  }

  private long jittered(long ttlMs) {
    double j = config.ttlJitter();
    return Math.max(1, Math.round(ttlMs * (1 + j * (2 * ThreadLocalRandom.current().nextDouble() - 1))));
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private void registerMeters(MeterRegistry r) {
    Gauge.builder("cache.hits", hits, LongAdder::sum).tag("cache", name).register(r);
    Gauge.builder("cache.misses", misses, LongAdder::sum).tag("cache", name).register(r);
    Gauge.builder("cache.stale.served", stale, LongAdder::sum).tag("cache", name).register(r);
    Gauge.builder("cache.fills.rejected", rejectedFills, LongAdder::sum).tag("cache", name).register(r);
    Gauge.builder("cache.redis.errors", redisErrors, LongAdder::sum).tag("cache", name).register(r);
    Gauge.builder("cache.breaker.state", ops.breaker(), b -> b.getState().getOrder()).tag("cache", name).register(r);
  }

  @Override
  public void close() {
    background.shutdownNow();
  }
}
