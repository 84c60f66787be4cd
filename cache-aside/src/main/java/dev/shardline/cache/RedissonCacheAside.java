package dev.shardline.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.internal.NearCache;
import dev.shardline.cache.internal.RedisConnection;
import dev.shardline.cache.spi.ValueCodec;
import dev.shardline.config.ConfigNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.StringCodec;
import dev.shardline.cache.internal.Envelope;
import dev.shardline.cache.internal.KeyFormat;
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
  private final ValueCodec json;
  private final NearCache near;
  private final RedissonClient owned;
  private final SingleFlight flight = new SingleFlight();
  private final Set<String> pendingInvalidations = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService background;
  private final LongAdder hits = new LongAdder();
  private final LongAdder nearHits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder stale = new LongAdder();
  private final LongAdder rejectedFills = new LongAdder();
  private final LongAdder redisErrors = new LongAdder();
  private final Counter lockWaits;
  private final Timer loadTimer;

  private RedissonCacheAside(String name, RedissonClient redis, CacheConfig config, ValueCodec json, MeterRegistry registry,
      RedissonClient owned) {
    this.name = name;
    this.owned = owned;
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
    this.near = config.nearCacheMaxEntries() > 0 ? subscribe(redis, new NearCache(config.nearCacheMaxEntries(), config.nearCacheTtl())) : null;
    this.lockWaits = Counter.builder("cache.lock.waits").tag("cache", name).register(registry);
    this.loadTimer = Timer.builder("cache.loads").tag("cache", name).register(registry);
    registerMeters(registry);
  }

  /**
   * Creates a cache called {@code name} (used in metrics and messages) on {@code redis}.
   *
   * @param json the codec for values; records and beans round-trip through it
   */
  public static RedissonCacheAside create(String name, RedissonClient redis, CacheConfig config, ObjectMapper json, MeterRegistry registry) {
    return create(name, redis, config, JacksonCodec.of(json), registry);
  }

  /** Creates a cache called {@code name} whose values go through {@code codec}. */
  public static RedissonCacheAside create(String name, RedissonClient redis, CacheConfig config, ValueCodec codec, MeterRegistry registry) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(registry, "registry");
    return new RedissonCacheAside(name, redis, config, codec, registry, null);
  }

  /** Creates a cache named after the config's prefix with a plain Jackson codec. */
  public static RedissonCacheAside create(RedissonClient redis, CacheConfig config, MeterRegistry registry) {
    return create(Objects.requireNonNull(config, "config").prefix(), redis, config, new ObjectMapper(), registry);
  }

  /**
   * Creates a cache from the {@code cache:} section of shardline.yaml, connecting to the Redis given
   * under {@code cache.redis} ({@code address} or a Redisson YAML {@code config} file, resolved
   * against {@code baseDir}); {@link #close()} shuts that connection down.
   */
  public static RedissonCacheAside fromYaml(String name, ConfigNode section, Path baseDir, ValueCodec codec, MeterRegistry registry) {
    Objects.requireNonNull(section, "section");
    if (section.isMissing()) throw new ShardlineCacheException("cache '" + name + "' - shardline.yaml has no cache: section; add one with cache.redis.address");
    CacheConfig config = CacheConfig.from(section);
    if (section.get("redis").isMissing()) throw section.error("cache.redis is required (address: redis://host:port, or config: redisson.yaml)");
    RedissonClient client = RedisConnection.open(section.get("redis"), baseDir);
    return new RedissonCacheAside(name, client, config, Objects.requireNonNull(codec, "codec"), Objects.requireNonNull(registry, "registry"),
        client);
  }

  private NearCache subscribe(RedissonClient redis, NearCache cache) {
    try {
      var topic = redis.getTopic(keys.channel(), StringCodec.INSTANCE);
      topic.addListener(String.class, (channel, msg) -> cache.onMessage(msg));
      // After a re-subscription messages may have been missed: drop everything rather than trust it.
      topic.addListener(new StatusListener() {
        @Override
        public void onSubscribe(String channel) {
          cache.clear();
        }

        @Override
        public void onUnsubscribe(String channel) {
          cache.clear();
        }
      });
      return cache;
    } catch (RuntimeException e) {
      LOG.warn("cache '{}' - cannot subscribe to {} ({}); near cache off", name, keys.channel(), e.toString());
      return null;
    }
  }

  @Override
  public <T> T get(CacheKey key, Class<T> type, CacheLoader<T> loader) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(loader, "loader");
    String k = keys.value(key);
    if (near != null) {
      Object local = near.get(k, System.currentTimeMillis());
      if (local != NearCache.ABSENT && (local == null || type.isInstance(local))) {
        hits.increment();
        nearHits.increment();
        return type.cast(local);
      }
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
        if (near != null) near.put(k, e.version(), e.expiresAtMillis(), value);
        if (e.refreshEarly(now, config.earlyRefreshBeta(), ThreadLocalRandom.current().nextDouble())) {
          background.execute(() -> refresh(k, key, type, loader));
        }
        return value;
      }
    }
    misses.increment();
    return flight.run(k, () -> loadThroughLock(k, key, type, loader, e));
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
    Envelope filled = fill(k, key, version, value, tookMs);
    if (filled != null && near != null) near.put(k, filled.version(), filled.expiresAtMillis(), value);
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

  /** Returns the envelope written, or null if nothing was (unencodable, too large, or voided by an invalidation). */
  private <T> Envelope fill(String k, CacheKey key, String version, T value, long loadMs) {
    String payload;
    try {
      payload = value == null ? Envelope.NULL : json.encode(value);
    } catch (Exception e) {
      LOG.warn("cache '{}' - cannot encode the value of {}: {}; not cached", name, key, e.toString());
      return null;
    }
    if (payload.getBytes(StandardCharsets.UTF_8).length > config.maxValueBytes()) {
      rejectedFills.increment();
      LOG.warn("cache '{}' - value of {} is over maxValueBytes {}; not cached", name, key, config.maxValueBytes());
      return null;
    }
    long ttl = value == null ? config.negativeTtl().toMillis() : jittered(config.ttl().toMillis());
    if (ttl <= 0) return null;
    Envelope e = new Envelope(System.currentTimeMillis() + ttl, loadMs, Envelope.version(version), payload);
    if (ops.fill(k, version, e.encode(), ttl + config.staleFor().toMillis())) return e;
    rejectedFills.increment();
    return null;
  }

  private <T> void refresh(String k, CacheKey key, Class<T> type, CacheLoader<T> loader) {
    try {
      flight.run(k + "#refresh", () -> loadAndFill(k, key, type, loader, null));
    } catch (RuntimeException e) {
      LOG.debug("cache '{}' - early refresh of {} failed: {}", name, key, e.toString());
    }
  }

  @Override
  public <T> Map<CacheKey, T> getAll(Collection<CacheKey> all, Class<T> type, KeyLoader<T> loader) {
    Objects.requireNonNull(all, "keys");
    Objects.requireNonNull(loader, "loader");
    Map<CacheKey, T> out = new LinkedHashMap<>();
    Map<String, String> found = Map.of();
    String[] redisKeys = all.stream().map(keys::value).toArray(String[]::new);
    try {
      // One MGET for every key; misses then take the single-key path with all its protections.
      found = near == null && redisKeys.length > 1 ? ops.call(() -> ops.client().getBuckets(StringCodec.INSTANCE).<String>get(redisKeys)) : Map.of();
    } catch (RedisOps.Unavailable u) {
      redisErrors.increment();
    }
    long now = System.currentTimeMillis();
    int i = 0;
    for (CacheKey key : all) {
      Envelope e = Envelope.decode(found.get(redisKeys[i++]));
      if (e != null && e.fresh(now)) {
        T value = decodeOrNull(e, type, keys.value(key));
        if (value != null || e.isNull()) {
          hits.increment();
          out.put(key, value);
          continue;
        }
      }
      out.put(key, get(key, type, () -> loader.load(key)));
    }
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
      ops.fill(k, version, new Envelope(System.currentTimeMillis() + ttl, 0, Envelope.version(version), payload).encode(),
          ttl + config.staleFor().toMillis());
    } catch (RedisOps.Unavailable u) {
      redisErrors.increment();
    }
  }

  @Override
  public void invalidate(CacheKey key) {
    Objects.requireNonNull(key, "key");
    invalidateRaw(keys.value(key));
  }

  @Override
  public void invalidateAll(Collection<CacheKey> all) {
    for (CacheKey k : all) invalidate(k);
  }

  private void invalidateRaw(String k) {
    try {
      long v = ops.invalidate(k, versionTtlMillis(), keys.channel());
      if (near != null) near.invalidated(k, v);
      pendingInvalidations.remove(k);
    } catch (RedisOps.Unavailable u) {
      // Refuse every local copy of this key until the near TTL passes; Redis will get it on retry.
      if (near != null) near.invalidated(k, Long.MAX_VALUE);
      redisErrors.increment();
      // Kept until Redis takes it: a lost invalidation would leave a stale value behind.
      pendingInvalidations.add(k);
    }
  }

  private void retryInvalidations() {
    for (String k : pendingInvalidations) {
      try {
        ops.invalidate(k, versionTtlMillis(), keys.channel());
        pendingInvalidations.remove(k);
      } catch (RuntimeException e) {
        return;
      }
    }
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
    return new CacheStats(hits.sum(), nearHits.sum(), misses.sum(), loads.sum(), stale.sum(), rejectedFills.sum(), redisErrors.sum(),
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
    if (owned != null) owned.shutdown();
  }
}
