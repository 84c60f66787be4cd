package dev.shardline.cdc.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.CacheConfig;
import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.RedissonCacheAside;
import dev.shardline.cdc.CdcConfig;
import dev.shardline.config.ConfigNode;
import dev.shardline.config.ShardlineConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * The sidecar's cache invalidator: a {@link RedissonCacheAside} on the Redis of the {@code cache:}
 * section ({@code cache.redis.address}), so CDC invalidations follow the same version and
 * tombstone rules as the application's cache.
 */
public final class SidecarCache implements CacheInvalidator, AutoCloseable {
  private final RedissonClient redis;
  private final RedissonCacheAside cache;

  private SidecarCache(RedissonClient redis, RedissonCacheAside cache) {
    this.redis = redis;
    this.cache = cache;
  }

  /** Returns the invalidator for {@code cdc.invalidate}, or {@code null} when there are no rules. */
  public static SidecarCache open(ShardlineConfig config, CdcConfig cdc, MeterRegistry registry) {
    if (cdc.invalidations().isEmpty()) return null;
    ConfigNode section = config.section("cache");
    ConfigNode address = section.get("redis").get("address");
    if (address.isMissing()) {
      throw address.error("is required by cdc.invalidate: set cache.redis.address to redis://host:port");
    }
    String url = address.string();
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      throw address.error("must start with redis:// or rediss://, was '" + url + "'");
    }
    Config c = new Config();
    var single = c.useSingleServer().setAddress(url);
    ConfigNode password = section.get("redis").get("password");
    if (!password.isMissing()) single.setPassword(password.string());
    RedissonClient client = Redisson.create(c);
    return new SidecarCache(client, RedissonCacheAside.create("cdc", client, CacheConfig.from(section), new ObjectMapper(), registry));
  }

  @Override
  public void invalidate(CacheKey key) {
    cache.invalidate(key);
  }

  @Override
  public void invalidateAll(Collection<CacheKey> keys) {
    cache.invalidateAll(keys);
  }

  @Override
  public void close() {
    cache.close();
    redis.shutdown();
  }
}
