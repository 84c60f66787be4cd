package dev.shardline.cdc;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import java.util.Collection;
import java.util.List;
import org.redisson.Redisson;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Test invalidator on a real Redis: deletes {@code cache:<namespace>:<tenant>:<id>} and records
 * {@code <namespace>:<tenant>:<id>} in the set {@value #LOG}, so a test can check every committed
 * change was invalidated.
 */
final class RedisKeyInvalidator implements CacheInvalidator, AutoCloseable {
  static final String LOG = "invalidated";
  private final RedissonClient redis;

  RedisKeyInvalidator(String address) {
    Config c = new Config();
    c.setCodec(StringCodec.INSTANCE);
    c.useSingleServer().setAddress(address).setConnectionMinimumIdleSize(1).setConnectionPoolSize(2);
    redis = Redisson.create(c);
  }

  static String redisKey(CacheKey k) {
    return "cache:" + k.namespace() + ":" + k.tenant() + ":" + k.id();
  }

  @Override
  public void invalidate(CacheKey key) {
    invalidateAll(List.of(key));
  }

  @Override
  public void invalidateAll(Collection<CacheKey> keys) {
    RBatch b = redis.createBatch();
    for (CacheKey k : keys) {
      b.getBucket(redisKey(k), StringCodec.INSTANCE).deleteAsync();
      b.getSet(LOG, StringCodec.INSTANCE).addAsync(k.namespace() + ":" + k.tenant() + ":" + k.id());
    }
    b.execute();
  }

  RedissonClient client() {
    return redis;
  }

  @Override
  public void close() {
    redis.shutdown();
  }
}
