package dev.shardline.cache;

import dev.shardline.config.ConfigNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Builds the Redisson client named by the {@code cache.redis} section: either one {@code address}
 * (single server) or a {@code config} file in Redisson's own YAML format, which is how Redis Cluster
 * and Sentinel deployments are described (Cluster only for a cache without commit positions: see
 * {@code Writes.clusterWithPositions}). With {@code address}, {@code timeout} (default 500 ms)
 * bounds each Redis call and its connect, and Redisson does not retry: a failing or hung Redis costs
 * a caller one timeout before the cache falls back to the loader, and then nothing once its breaker
 * opens. A {@code config} file keeps Redisson's own settings: set {@code retryAttempts: 0} there too.
 *
 * <pre>
 * cache:
 *   redis: { address: redis://127.0.0.1:6379, timeout: 300ms }   # or
 *   redis: { config: redisson-cluster.yaml }
 * </pre>
 */
public final class RedisConnections {
    private RedisConnections() {}

    /** Creates the client; {@code baseDir} resolves a relative {@code config} path (shardline.yaml's folder). */
    public static RedissonClient fromConfig(ConfigNode redis, Path baseDir) {
        redis.allowOnly("address", "config", "timeout", "password");
        if (redis.isMissing())
            throw redis.error("is required: set 'address: redis://host:6379' or 'config: redisson.yaml'");
        boolean hasAddress = !redis.get("address").isMissing();
        boolean hasFile = !redis.get("config").isMissing();
        if (hasAddress == hasFile) throw redis.error("set exactly one of 'address' or 'config'");
        Config c;
        if (hasFile) {
            Path file = baseDir.resolve(redis.get("config").string()).normalize();
            if (!Files.isRegularFile(file)) {
                throw redis.get("config")
                        .error("Redisson config not found at " + file.toAbsolutePath()
                                + "; the path is relative to shardline.yaml");
            }
            try {
                c = Config.fromYAML(file.toFile());
            } catch (IOException e) {
                throw redis.get("config")
                        .error("not a valid Redisson YAML config ("
                                + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        } else {
            String address = redis.get("address").string();
            if (!address.startsWith("redis://") && !address.startsWith("rediss://")) {
                throw redis.get("address").error("must start with redis:// or rediss://, was '" + address + "'");
            }
            c = new Config();
            int timeout = (int) redis.get("timeout")
                    .durationOr(java.time.Duration.ofMillis(500))
                    .toMillis();
            // No retries inside Redisson: the cache falls back to the loader and its breaker stops calling a failing
            // Redis. With Redisson's default retries a hung Redis held each get 8-9 s before the fallback.
            var single = c.useSingleServer()
                    .setAddress(address)
                    .setTimeout(timeout)
                    .setConnectTimeout(timeout)
                    .setRetryAttempts(0);
            if (!redis.get("password").isMissing())
                single.setPassword(redis.get("password").string());
        }
        return Redisson.create(c);
    }
}
