package dev.shardline.consistency;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.CacheConfig;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.CacheUnavailableException;
import dev.shardline.cache.RedissonCacheAside;
import dev.shardline.cache.SourcePosition;
import dev.shardline.routing.ReadPosition;
import dev.shardline.routing.ShardlineDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * One application instance in its own JVM: a routing DataSource (reads go to replicas) and a
 * cache-aside whose fills are versioned by the DataSource's read positions. Two readers read
 * random keys through the cache; one writer increments random keys through the DataSource, then
 * reads the key back (read-your-writes). Everything goes to the history file.
 *
 * <p>Arguments: shardline.yaml, Redis address, instance name, tenants, ids per tenant, run
 * milliseconds, history file.
 */
public final class AppInstance {
  static final String SELECT = "SELECT val FROM kv WHERE tenant_id = ? AND id = ?";
  static final String UPDATE = "UPDATE kv SET val = val + 1 WHERE tenant_id = ? AND id = ? RETURNING val";

  private AppInstance() {}

  public static void main(String[] a) throws Exception {
    Path yaml = Path.of(a[0]);
    String instance = a[2];
    int tenants = Integer.parseInt(a[3]);
    int ids = Integer.parseInt(a[4]);
    long until = System.currentTimeMillis() + Long.parseLong(a[5]);
    AtomicLong errors = new AtomicLong();
    try (ShardlineDataSource ds = ShardlineDataSource.fromYaml(yaml); HistoryLog log = new HistoryLog(Path.of(a[6]))) {
      RedissonClient redis = client(a[1]);
      CacheConfig.Builder cfg = CacheConfig.builder().prefix("cons").ttl(Duration.ofSeconds(60)).lockWait(Duration.ofMillis(200))
          .lockLease(Duration.ofSeconds(2)).breaker(5, Duration.ofMillis(500)).earlyRefreshBeta(0);
      // Off only to show the checker catches what positions prevent (fills from a lagging replica).
      if (!"false".equals(System.getProperty("consistency.positions"))) {
        cfg.readPositions(k -> {
          ReadPosition p = ds.readPosition(Long.parseLong(k.tenant()));
          return new SourcePosition(p.shard(), p.lsn());
        });
      }
      RedissonCacheAside cache = RedissonCacheAside.create("cons-" + instance, redis, cfg.build(), new ObjectMapper(),
          new SimpleMeterRegistry());
      String primaryUrl = ds.config().shards().get(0).primary().jdbcUrl();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        threads.add(new Thread(() -> {
          while (System.currentTimeMillis() < until) {
            CacheKey key = randomKey(tenants, ids);
            long t0 = System.currentTimeMillis();
            try {
              long v = read(cache, ds, key);
              log.read(instance, key.tenant() + ":" + key.id(), v, t0, System.currentTimeMillis());
            } catch (RuntimeException e) {
              errors.incrementAndGet();
            }
          }
        }, "reader-" + i));
      }
      threads.add(new Thread(() -> {
        try (Connection primary = DriverManager.getConnection(primaryUrl, "postgres", "")) {
          while (System.currentTimeMillis() < until) {
            CacheKey key = randomKey(tenants, ids);
            try {
              long t0 = System.currentTimeMillis();
              long v = increment(ds, key);
              long lsn = insertLsn(primary); // at or past the commit just made
              try {
                cache.invalidateCommitted("shard-0", Map.of(key, lsn), -1);
              } catch (CacheUnavailableException redisDown) {
                // the sidecar's invalidation of the same commit is the durable one
              }
              // The write is acknowledged (to the "user") once commit and invalidation are done,
              // as an application using AfterCommit would: reads that start later must see it.
              log.write(instance, key.tenant() + ":" + key.id(), v, t0, System.currentTimeMillis(), lsn);
              long r0 = System.currentTimeMillis();
              log.read(instance, key.tenant() + ":" + key.id(), read(cache, ds, key), r0, System.currentTimeMillis());
              Thread.sleep(15);
            } catch (RuntimeException | SQLException e) {
              errors.incrementAndGet();
            }
          }
        } catch (Exception e) {
          errors.incrementAndGet();
        }
      }, "writer"));
      threads.forEach(Thread::start);
      for (Thread t : threads) t.join();
      cache.close();
      redis.shutdown();
      System.out.println("instance " + instance + " done, errors " + errors.get() + ", cache " + cache.stats());
    }
  }

  static long read(RedissonCacheAside cache, ShardlineDataSource ds, CacheKey key) {
    Long v = cache.get(key, Long.class, () -> {
      try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(SELECT)) {
        ps.setLong(1, Long.parseLong(key.tenant()));
        ps.setLong(2, Long.parseLong(key.id()));
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getLong(1) : null;
        }
      }
    });
    return v == null ? -1 : v;
  }

  private static long increment(ShardlineDataSource ds, CacheKey key) throws SQLException {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(UPDATE)) {
      ps.setLong(1, Long.parseLong(key.tenant()));
      ps.setLong(2, Long.parseLong(key.id()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static long insertLsn(Connection primary) throws SQLException {
    try (Statement s = primary.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
      rs.next();
      return SourcePosition.parseLsn(rs.getString(1));
    }
  }

  static CacheKey randomKey(int tenants, int ids) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return CacheKey.of("kv", 1 + r.nextInt(tenants), 1 + r.nextInt(ids));
  }

  /** A client with short command timeouts (Redis faults must be noticed) that survives a slow start on a busy machine. */
  static RedissonClient client(String address) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      Config c = new Config();
      c.useSingleServer().setAddress(address).setTimeout(300).setRetryAttempts(0).setConnectTimeout(2000)
          .setConnectionMinimumIdleSize(2).setSubscriptionConnectionMinimumIdleSize(1)
          .setReconnectionDelay(d -> Duration.ofMillis(200));
      try {
        return Redisson.create(c);
      } catch (RuntimeException e) {
        if (attempt == 5) throw e;
        Thread.sleep(500);
      }
    }
  }
}
