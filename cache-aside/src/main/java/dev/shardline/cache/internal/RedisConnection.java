package dev.shardline.cache.internal;

import dev.shardline.cache.ShardlineCacheException;
import dev.shardline.config.ConfigNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Builds a Redisson client from {@code cache.redis}: either {@code address: redis://host:port}
 * (single server) or {@code config: path/to/redisson.yaml} (Redisson's own format, for Cluster and
 * Sentinel), relative to the shardline.yaml that names it.
 */
public final class RedisConnection {
  private RedisConnection() {}

  public static RedissonClient open(ConfigNode redis, Path baseDir) {
    redis.allowOnly("address", "config", "timeout", "connectionPoolSize");
    boolean hasAddress = !redis.get("address").isMissing();
    boolean hasConfig = !redis.get("config").isMissing();
    if (hasAddress == hasConfig) {
      throw redis.error("give exactly one of 'address' (redis://host:port) or 'config' (a Redisson YAML file for Cluster/Sentinel)");
    }
    Config c;
    if (hasConfig) {
      ConfigNode n = redis.get("config");
      Path file = baseDir == null ? Path.of(n.string()) : baseDir.resolve(n.string());
      if (!Files.isReadable(file)) throw n.error("Redisson config file " + file + " is not readable; fix the path");
      try {
        c = Config.fromYAML(file.toFile());
      } catch (IOException | RuntimeException e) {
        throw n.error("Redisson config file " + file + " is not valid Redisson YAML: " + e.getMessage());
      }
    } else {
      ConfigNode n = redis.get("address");
      String address = n.string();
      if (!address.matches("rediss?://[^\\s:/]+:\\d{1,5}")) throw n.error("address must look like redis://host:port, was '" + address + "'");
      c = new Config();
      c.useSingleServer().setAddress(address)
          .setTimeout((int) redis.get("timeout").durationOr(java.time.Duration.ofMillis(500)).toMillis())
          .setConnectionPoolSize(redis.get("connectionPoolSize").intOr(64, 1, 10_000))
          .setRetryAttempts(1);
    }
    try {
      return Redisson.create(c);
    } catch (RuntimeException e) {
      throw new ShardlineCacheException("cache - cannot connect to Redis (" + e.getMessage() + "); check cache.redis at " + redis.location(), e);
    }
  }
}
