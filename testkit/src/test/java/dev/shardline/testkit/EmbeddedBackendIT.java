package dev.shardline.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.internal.EmbeddedBackend;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The no-install backend the demo uses: zonky's binaries, replicas cloned without pg_basebackup. */
class EmbeddedBackendIT {
    @Test
    void start_embeddedPrimaryAndReplica_replicaStreams() throws Exception {
        try (PgCluster cluster = PgCluster.start(1, 1, new EmbeddedBackend())) {
            cluster.primary(0).execute("CREATE TABLE t (id int)", "INSERT INTO t VALUES (1), (2)");
            cluster.awaitReplication(Duration.ofSeconds(20));
            try (Connection c = cluster.replicas(0).get(0).connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery(), (SELECT count(*) FROM t)")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
                assertThat(rs.getInt(2)).isEqualTo(2);
            }
            cluster.replicas(0).get(0).kill();
            cluster.replicas(0).get(0).start();
            cluster.primary(0).execute("INSERT INTO t VALUES (3)");
            cluster.awaitReplication(Duration.ofSeconds(20));
        }
    }
}
