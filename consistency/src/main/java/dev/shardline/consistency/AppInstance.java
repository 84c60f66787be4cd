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
import java.util.HashMap;
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
 * random keys through the cache; one writer changes random keys through the DataSource (an
 * update, a delete, or an insert where the row is gone), each change taking the key's next
 * sequence number from {@code kv_clock} in the same transaction, so the values a key goes through
 * increase; it invalidates at the commit's position and reads the key back (read-your-writes).
 * Every read, acknowledged write and invalidation goes to the history file.
 *
 * <p>Arguments: shardline.yaml, Redis address, instance name, tenants, ids per tenant, run
 * milliseconds, history file.
 */
public final class AppInstance {
    static final String SELECT = "SELECT val FROM kv WHERE tenant_id = ? AND id = ?";
    static final String NEXT = "UPDATE kv_clock SET seq = seq + 1 WHERE tenant_id = ? AND id = ? RETURNING seq";
    static final String UPSERT = "INSERT INTO kv (tenant_id, id, val) VALUES (?, ?, ?) "
            + "ON CONFLICT (tenant_id, id) DO UPDATE SET val = EXCLUDED.val RETURNING (xmax = 0)";
    static final String DELETE = "DELETE FROM kv WHERE tenant_id = ? AND id = ?";
    /** The line an instance prints once its DataSource and cache are up. */
    static final String READY = "instance ready";
    /** Share of changes that delete the row. */
    static final double DELETES = 0.15;

    private AppInstance() {}

    /** One acknowledged change: the key's new sequence number and what it did (I, U or D). */
    record Change(long seq, char op) {}

    public static void main(String[] a) throws Exception {
        Path yaml = Path.of(a[0]);
        String instance = a[2];
        int tenants = Integer.parseInt(a[3]);
        int ids = Integer.parseInt(a[4]);
        AtomicLong errors = new AtomicLong();
        try (ShardlineDataSource ds = ShardlineDataSource.fromYaml(yaml);
                HistoryLog log = new HistoryLog(Path.of(a[6]))) {
            RedissonClient redis = client(a[1]);
            CacheConfig.Builder cfg = CacheConfig.builder()
                    .prefix("cons")
                    .ttl(Duration.ofSeconds(60))
                    .lockWait(Duration.ofMillis(200))
                    .lockLease(Duration.ofSeconds(2))
                    .breaker(5, Duration.ofMillis(500))
                    .earlyRefreshBeta(0);
            // Off only to show the checker catches what positions prevent (fills from a lagging replica).
            if (!"false".equals(System.getProperty("consistency.positions"))) {
                cfg.readPositions(k -> {
                    ReadPosition p = ds.readPosition(Long.parseLong(k.tenant()));
                    return new SourcePosition(p.shard(), p.lsn());
                });
            }
            RedissonCacheAside cache = RedissonCacheAside.create(
                    "cons-" + instance, redis, cfg.build(), new ObjectMapper(), new SimpleMeterRegistry());
            Map<String, String> primaryUrls = new HashMap<>();
            ds.config()
                    .shards()
                    .forEach(sh -> primaryUrls.put(sh.name(), sh.primary().jdbcUrl()));
            // The runner starts its fault clock once every instance said this (a slow JVM start must not meet Redis
            // already killed).
            System.out.println(READY);
            System.out.flush();
            long until = System.currentTimeMillis() + Long.parseLong(a[5]);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                threads.add(new Thread(
                        () -> {
                            while (System.currentTimeMillis() < until) {
                                CacheKey key = randomKey(tenants, ids);
                                long t0 = System.currentTimeMillis();
                                try {
                                    long v = read(cache, ds, key);
                                    log.read(instance, historyKey(key), v, t0, System.currentTimeMillis());
                                } catch (RuntimeException e) {
                                    errors.incrementAndGet();
                                }
                            }
                        },
                        "reader-" + i));
            }
            threads.add(new Thread(
                    () -> {
                        Map<String, Connection> primaries = new HashMap<>();
                        try {
                            while (System.currentTimeMillis() < until) {
                                CacheKey key = randomKey(tenants, ids);
                                String k = historyKey(key);
                                try {
                                    long t0 = System.currentTimeMillis();
                                    Change ch = change(ds, key);
                                    String shard = ds.readPosition(Long.parseLong(key.tenant()))
                                            .shard();
                                    Connection primary = primaries.get(shard);
                                    if (primary == null || !primary.isValid(1)) {
                                        primary = DriverManager.getConnection(primaryUrls.get(shard), "postgres", "");
                                        primaries.put(shard, primary);
                                    }
                                    long lsn = insertLsn(primary); // at or past the commit just made
                                    long i0 = System.currentTimeMillis();
                                    boolean applied = true;
                                    try {
                                        cache.invalidateCommitted(shard, Map.of(key, lsn), -1);
                                    } catch (CacheUnavailableException redisDown) {
                                        // the sidecar's invalidation of the same commit is the durable one
                                        applied = false;
                                    }
                                    log.invalidation(instance, k, lsn, i0, System.currentTimeMillis(), applied);
                                    // The write is acknowledged (to the "user") once commit and invalidation are done,
                                    // as an application using AfterCommit would: reads that start later must see it.
                                    log.write(instance, k, ch.seq(), t0, System.currentTimeMillis(), lsn, ch.op());
                                    long r0 = System.currentTimeMillis();
                                    log.read(instance, k, read(cache, ds, key), r0, System.currentTimeMillis());
                                    Thread.sleep(15);
                                } catch (RuntimeException | SQLException e) {
                                    errors.incrementAndGet();
                                    closeAll(primaries);
                                }
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        } finally {
                            closeAll(primaries);
                        }
                    },
                    "writer"));
            threads.forEach(Thread::start);
            for (Thread t : threads) t.join();
            cache.close();
            redis.shutdown();
            System.out.println("instance " + instance + " done, errors " + errors.get() + ", cache " + cache.stats());
        }
    }

    private static void closeAll(Map<String, Connection> connections) {
        connections.values().forEach(c -> {
            try {
                c.close();
            } catch (SQLException ignored) {
                // a broken connection is replaced
            }
        });
        connections.clear();
    }

    static long read(RedissonCacheAside cache, ShardlineDataSource ds, CacheKey key) {
        Long v = cache.get(key, Long.class, () -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(SELECT)) {
                ps.setLong(1, Long.parseLong(key.tenant()));
                ps.setLong(2, Long.parseLong(key.id()));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : null;
                }
            }
        });
        return v == null ? -1 : v;
    }

    /** One transaction: the key's next sequence number, then a delete or an upsert of the row to it. */
    private static Change change(ShardlineDataSource ds, CacheKey key) throws SQLException {
        long tenant = Long.parseLong(key.tenant());
        long id = Long.parseLong(key.id());
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                long seq;
                try (PreparedStatement ps = c.prepareStatement(NEXT)) {
                    ps.setLong(1, tenant);
                    ps.setLong(2, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        seq = rs.getLong(1);
                    }
                }
                char op;
                if (ThreadLocalRandom.current().nextDouble() < DELETES) {
                    try (PreparedStatement ps = c.prepareStatement(DELETE)) {
                        ps.setLong(1, tenant);
                        ps.setLong(2, id);
                        ps.executeUpdate();
                    }
                    op = 'D';
                } else {
                    try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                        ps.setLong(1, tenant);
                        ps.setLong(2, id);
                        ps.setLong(3, seq);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            op = rs.getBoolean(1) ? 'I' : 'U';
                        }
                    }
                }
                c.commit();
                return new Change(seq, op);
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is gone; the transaction with it
                }
                throw e;
            }
        }
    }

    private static long insertLsn(Connection primary) throws SQLException {
        try (Statement s = primary.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            return SourcePosition.parseLsn(rs.getString(1));
        }
    }

    /** The key as the history names it, the same as the sidecar's invalidation log: namespace:tenant:id. */
    static String historyKey(CacheKey key) {
        return key.namespace() + ":" + key.tenant() + ":" + key.id();
    }

    static CacheKey randomKey(int tenants, int ids) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return CacheKey.of("kv", 1 + r.nextInt(tenants), 1 + r.nextInt(ids));
    }

    /** A client with short command timeouts (Redis faults must be noticed) that survives a slow start on a busy machine. */
    static RedissonClient client(String address) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            Config c = new Config();
            c.useSingleServer()
                    .setAddress(address)
                    .setTimeout(300)
                    .setRetryAttempts(0)
                    .setConnectTimeout(2000)
                    .setConnectionMinimumIdleSize(2)
                    .setSubscriptionConnectionMinimumIdleSize(1)
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
