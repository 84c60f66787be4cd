package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code readPosition}: a lower bound of what a read of the tenant sees, from the health samples, excluding replicas out of routing. */
class ReadPositionIT {
    @Test
    void readPosition_boundedByReplicaReplay_growsAfterWrites_ignoresAKilledReplica() throws Exception {
        try (PgCluster pg = PgCluster.start(2, 1);
                ShardlineDataSource ds = RoutingFixture.dataSource(pg)) {
            RoutingFixture.createSchema(ds);
            ReadPosition first = ds.readPosition("acme");
            String shard = first.shard();
            int index = Integer.parseInt(shard.substring(shard.indexOf('-') + 1));
            PgNode replica = pg.replicas(index).get(0);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ds.readPosition("acme").lsn() > 0);
            long before = ds.readPosition("acme").lsn();
            assertThat(before)
                    .as("never past what the replica has replayed")
                    .isLessThanOrEqualTo(lsn(replica, "pg_last_wal_replay_lsn()"));

            replica.execute("ALTER SYSTEM SET recovery_min_apply_delay = '3s'", "SELECT pg_reload_conf()");
            pg.primary(index).execute("INSERT INTO currencies VALUES ('XTS', 'test')");
            long committed = lsn(pg.primary(index), "pg_current_wal_insert_lsn()");
            Thread.sleep(500); // several health samples while the replica holds the commit back
            assertThat(ds.readPosition("acme").lsn())
                    .as("the replica has not replayed the commit yet")
                    .isLessThan(committed);

            replica.kill(); // out of read routing: reads go to the primary, whose position counts alone
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> ds.readPosition("acme").lsn() >= committed);
        }
    }

    private static long lsn(PgNode n, String function) throws Exception {
        try (Connection c = n.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + function + "::text")) {
            rs.next();
            String t = rs.getString(1);
            int slash = t.indexOf('/');
            return (Long.parseLong(t.substring(0, slash), 16) << 32) | Long.parseLong(t.substring(slash + 1), 16);
        }
    }
}
