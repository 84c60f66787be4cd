package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.RedisServer;
import org.junit.jupiter.api.Test;

/** Finding 5: a write-through {@code put} of an older write must not overwrite a newer invalidation. */
class WriteThroughIT {
    @Test
    void put_olderWriteAfterNewerInvalidation_notStored() {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonCacheAside cache =
                    t.cache(t.client(redis.address(), 2000), t.config().build());
            CacheKey key = CacheKey.of("row", "acme", "1");
            // Writer 1 commits 1, writer 2 commits 2 afterwards and invalidates; writer 1's put comes last.
            cache.invalidate(key);
            cache.put(key, 1L);
            assertThat(cache.get(key, Long.class, () -> 2L))
                    .as("the database holds 2")
                    .isEqualTo(2L);
        }
    }

    @Test
    void put_withPositions_olderRefused_newerStored() {
        try (RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            RedissonCacheAside cache =
                    t.cache(t.client(redis.address(), 2000), t.config().build());
            CacheKey key = CacheKey.of("row", "acme", "2");
            cache.invalidateCommitted("shard-0", java.util.Map.of(key, 200L), 200L);
            assertThat(cache.put(key, 1L, new SourcePosition("shard-0", 100)))
                    .as("write visible from 100, invalidated at 200")
                    .isFalse();
            assertThat(cache.get(key, Long.class, () -> 2L)).isEqualTo(2L);
            assertThat(cache.put(key, 3L, new SourcePosition("shard-0", 300)))
                    .as("a newer write")
                    .isTrue();
            assertThat(cache.get(key, Long.class, () -> -1L)).isEqualTo(3L);
        }
    }
}
