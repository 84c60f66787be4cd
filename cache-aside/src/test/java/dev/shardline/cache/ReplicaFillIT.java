package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import dev.shardline.testkit.RedisServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Finding 2: the invalidation of a commit (from the primary's WAL) can arrive before a replica has
 * replayed that commit; a miss served by that replica must not store the older row.
 */
class ReplicaFillIT {
    @Test
    void fill_fromReplicaBehindTheInvalidation_refused() throws Exception {
        try (PgCluster pg = PgCluster.start(1, 1);
                RedisServer redis = RedisServer.start();
                TestCaches t = new TestCaches()) {
            PgNode primary = pg.primary(0);
            PgNode replica = pg.replicas(0).get(0);
            primary.execute("CREATE TABLE kv (id text PRIMARY KEY, val bigint)", "INSERT INTO kv VALUES ('k', 1)");
            pg.awaitReplication(Duration.ofSeconds(10));
            // In an application this is ShardlineDataSource.readPosition(tenant), from polled replay positions.
            CacheConfig cfg = t.config()
                    .readPositions(k -> new SourcePosition("shard-0", lsn(replica, "pg_last_wal_replay_lsn()")))
                    .build();
            RedissonCacheAside writerSide = t.cache(t.client(redis.address(), 2000), cfg);
            RedissonCacheAside readerSide = t.cache(t.client(redis.address(), 2000), cfg);
            writerSide.invalidateCommitted(
                    "shard-0", java.util.Map.of(), lsn(primary, "pg_current_wal_insert_lsn()")); // the sidecar's floor
            CacheKey key = CacheKey.of("kv", "acme", "k");
            CacheLoader<Long> fromReplica = () -> query(replica, "SELECT val FROM kv WHERE id = 'k'");
            assertThat(readerSide.get(key, Long.class, fromReplica)).isEqualTo(1L);

            replica.execute("ALTER SYSTEM SET recovery_min_apply_delay = '4s'", "SELECT pg_reload_conf()");
            primary.execute("UPDATE kv SET val = 2 WHERE id = 'k'");
            long visibleFrom = lsn(primary, "pg_current_wal_insert_lsn()");
            writerSide.invalidateCommitted(
                    "shard-0", java.util.Map.of(key, visibleFrom), visibleFrom); // what the CDC sidecar does
            assertThat(readerSide.get(key, Long.class, fromReplica))
                    .as("the replica still serves the old row")
                    .isEqualTo(1L);

            replica.execute("ALTER SYSTEM SET recovery_min_apply_delay = 0", "SELECT pg_reload_conf()");
            pg.awaitReplication(Duration.ofSeconds(20));
            assertThat(readerSide.get(key, Long.class, fromReplica))
                    .as("after the replica caught up")
                    .isEqualTo(2L);
            assertThat(readerSide.get(key, Long.class, () -> -1L))
                    .as("a read provably past the invalidation is cached")
                    .isEqualTo(2L);
        }
    }

    static long lsn(PgNode n, String function) {
        try (Connection c = n.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + function + "::text")) {
            rs.next();
            return SourcePosition.parseLsn(rs.getString(1));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static long query(PgNode n, String sql) throws Exception {
        try (Connection c = n.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
