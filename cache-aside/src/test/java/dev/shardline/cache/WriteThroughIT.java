package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.RedisServer;
import org.junit.jupiter.api.Test;

/** Finding 5: a write-through {@code put} of an older write must not overwrite a newer invalidation. */
class WriteThroughIT {
  @Test
  void put_olderWriteAfterNewerInvalidation_notStored() {
    try (RedisServer redis = RedisServer.start(); TestCaches t = new TestCaches()) {
      RedissonCacheAside cache = t.cache(t.client(redis.address(), 2000), t.config().build());
      CacheKey key = CacheKey.of("row", "acme", "1");
      // Writer 1 commits 1, writer 2 commits 2 afterwards and invalidates; writer 1's put comes last.
      cache.invalidate(key);
      cache.put(key, 1L);
      assertThat(cache.get(key, Long.class, () -> 2L)).as("the database holds 2").isEqualTo(2L);
    }
  }
}
