package dev.shardline.bench.cdc;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import java.util.Collection;
import java.util.List;
import org.redisson.Redisson;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/** Deletes {@code cache:<ns>:<tenant>:<id>} in Redis, one pipelined batch per call (stand-in until RedissonCacheAside is merged). */
public final class RedisInvalidator implements CacheInvalidator, AutoCloseable {
  private final RedissonClient redis;

  public RedisInvalidator(String address) {
    Config c = new Config();
    c.setCodec(StringCodec.INSTANCE);
    c.useSingleServer().setAddress(address).setConnectionMinimumIdleSize(1).setConnectionPoolSize(4);
    redis = Redisson.create(c);
  }

  @Override
  public void invalidate(CacheKey key) {
    invalidateAll(List.of(key));
  }

  @Override
  public void invalidateAll(Collection<CacheKey> keys) {
    RBatch b = redis.createBatch();
    for (CacheKey k : keys) b.getBucket("cache:" + k.namespace() + ":" + k.tenant() + ":" + k.id(), StringCodec.INSTANCE).deleteAsync();
    b.execute();
  }

  @Override
  public void close() {
    redis.shutdown();
  }
}
