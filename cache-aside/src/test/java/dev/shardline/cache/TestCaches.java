package dev.shardline.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** Redisson clients and caches for the finding tests; closes what it made. */
final class TestCaches implements AutoCloseable {
    private final List<RedissonClient> clients = new ArrayList<>();
    private final List<AutoCloseable> caches = new ArrayList<>();
    final String prefix = "f" + ThreadLocalRandom.current().nextInt(1_000_000);

    RedissonClient client(String address, int timeoutMs) {
        Config c = new Config();
        c.useSingleServer()
                .setAddress(address)
                .setTimeout(timeoutMs)
                .setRetryAttempts(0)
                .setConnectTimeout(timeoutMs)
                .setReconnectionDelay(d -> Duration.ofMillis(100))
                .setConnectionMinimumIdleSize(2)
                .setConnectionPoolSize(64);
        RedissonClient r = Redisson.create(c);
        clients.add(r);
        return r;
    }

    CacheConfig.Builder config() {
        return CacheConfig.builder().prefix(prefix).breaker(5, Duration.ofMillis(300));
    }

    RedissonCacheAside cache(RedissonClient r, CacheConfig cfg) {
        RedissonCacheAside c =
                RedissonCacheAside.create("findings", r, cfg, new ObjectMapper(), new SimpleMeterRegistry());
        caches.add(c);
        return c;
    }

    @Override
    public void close() {
        for (AutoCloseable c : caches) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort at teardown
            }
        }
        clients.forEach(RedissonClient::shutdown);
    }
}
