package dev.shardline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@WithPgCluster(primaries = 2, replicas = 1, shared = false)
class PgClusterIT {
    private static boolean inRecovery(PgNode n) throws Exception {
        try (Connection c = n.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void start_twoPrimariesWithReplicas_replicasStreamLogicalWal(PgCluster cluster) throws Exception {
        assertThat(cluster.primaries()).hasSize(2);
        assertThat(inRecovery(cluster.primary(0))).isFalse();
        assertThat(inRecovery(cluster.replicas(0).get(0))).isTrue();
        cluster.primary(0).execute("CREATE TABLE IF NOT EXISTS t(id int)", "INSERT INTO t VALUES (1)");
        cluster.awaitReplication(Duration.ofSeconds(10));
        try (Connection c = cluster.replicas(0).get(0).connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*), current_setting('wal_level') FROM t")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
            assertThat(rs.getString(2)).isEqualTo("logical");
        }
    }

    @Test
    void kill_thenStart_nodeServesAgainOnSamePort(PgCluster cluster) throws Exception {
        PgNode replica = cluster.replicas(1).get(0);
        replica.kill();
        assertThat(replica.isRunning()).isFalse();
        assertThatThrownBy(replica::connect).isInstanceOf(java.sql.SQLException.class);
        replica.start();
        assertThat(inRecovery(replica)).isTrue();
    }

    @Test
    void redis_killAndRestart_portFollows() {
        try (RedisServer r = RedisServer.start()) {
            assertThat(r.isRunning()).isTrue();
            r.kill();
            assertThat(r.isRunning()).isFalse();
            r.restart();
            assertThat(r.isRunning()).isTrue();
        }
    }
}
