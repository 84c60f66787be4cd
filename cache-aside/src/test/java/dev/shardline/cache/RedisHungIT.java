package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.config.ShardlineYaml;
import dev.shardline.testkit.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.config.SingleServerConfig;

/**
 * A hung Redis (SIGSTOP: connections open, no answers) through the client {@code cache.redis}
 * configures — the one the Spring starter, the sample app and the sidecar use. Measured before the
 * fix with the default config: each of the first five gets took 8.1–8.7 s before falling back to
 * the loader (a killed Redis: 5.0–5.6 s), because Redisson retried every command with its default
 * retry settings. The client now makes one attempt bounded by {@code timeout}.
 */
class RedisHungIT {
    @Test
    void get_redisHung_everyCallerGetsTheLoadedValue_oneAttemptPerCall() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            assumeTrue(!redis.backendName().equals("embedded redis"), "freeze needs the redis-server binary");
            var yaml = ShardlineYaml.parse(
                    "cache:\n  redis: { address: " + redis.address() + ", timeout: 300ms }\n", "t.yaml", k -> null);
            RedissonClient client =
                    RedisConnections.fromConfig(yaml.section("cache").get("redis"), Path.of("."));
            try {
                SingleServerConfig server = client.getConfig().useSingleServer();
                assertThat(server.getRetryAttempts()).as("Redisson retries").isZero();
                assertThat(server.getTimeout()).isEqualTo(300);
                assertThat(server.getConnectTimeout()).isEqualTo(300);

                RedissonCacheAside cache = RedissonCacheAside.create(
                        "hung",
                        client,
                        CacheConfig.from(yaml.section("cache")),
                        new ObjectMapper(),
                        new SimpleMeterRegistry());
                assertThat(cache.get(CacheKey.of("p", "t", "warm"), String.class, () -> "v"))
                        .isEqualTo("v");
                redis.freeze();
                try {
                    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
                    CountDownLatch done = new CountDownLatch(16);
                    List<Thread> threads = new ArrayList<>();
                    for (int t = 0; t < 16; t++) {
                        int thread = t;
                        threads.add(new Thread(() -> {
                            try {
                                for (int i = 0; i < 5; i++) {
                                    String id = thread + "-" + i;
                                    String v = cache.get(CacheKey.of("p", "t", id), String.class, () -> "loaded-" + id);
                                    if (!("loaded-" + id).equals(v)) wrong.add(id + " -> " + v);
                                }
                            } catch (RuntimeException e) {
                                wrong.add(e.toString());
                            } finally {
                                done.countDown();
                            }
                        }));
                    }
                    threads.forEach(Thread::start);
                    for (Thread th : threads) th.join();
                    assertThat(wrong)
                            .as("gets that failed or returned another value")
                            .isEmpty();
                    assertThat(cache.stats().redisErrors()).isPositive();
                    assertThat(cache.stats().breaker()).isEqualTo("open");
                } finally {
                    redis.thaw();
                }
            } finally {
                client.shutdown();
            }
        }
    }
}
