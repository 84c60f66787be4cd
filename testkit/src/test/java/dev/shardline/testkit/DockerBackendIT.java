package dev.shardline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shardline.testkit.internal.DockerBackend;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The Testcontainers backend: PostgreSQLContainer primaries on random host ports, replicas cloned
 * over the container network. Runs in the Docker suite ({@code -Pdocker-its}); elsewhere skipped.
 */
class DockerBackendIT {
    @Test
    void start_primaryAndReplicaInContainers_replicaStreamsAndSurvivesKill() throws Exception {
        String backend = System.getProperty("shardline.pg.backend", System.getenv("SHARDLINE_PG_BACKEND"));
        assumeTrue("docker".equalsIgnoreCase(backend), "runs only with SHARDLINE_PG_BACKEND=docker (-Pdocker-its)");
        try (PgCluster cluster = PgCluster.start(1, 1, new DockerBackend())) {
            PgNode primary = cluster.primary(0);
            PgNode replica = cluster.replicas(0).get(0);
            assertThat(primary.port()).isNotEqualTo(5432);
            assertThat(replica.port()).isNotEqualTo(primary.port());
            primary.execute("CREATE TABLE t (id int)", "INSERT INTO t VALUES (1), (2)");
            cluster.awaitReplication(Duration.ofSeconds(30));
            assertThat(
                            query(
                                    replica,
                                    "SELECT pg_is_in_recovery()::text || ',' || (SELECT count(*) FROM t) || ',' || current_setting('wal_level')"))
                    .isEqualTo("true,2,logical");

            replica.kill();
            assertThat(replica.isRunning()).isFalse();
            replica.start();
            primary.execute("INSERT INTO t VALUES (3)");
            cluster.awaitReplication(Duration.ofSeconds(30));
            assertThat(query(replica, "SELECT count(*)::text FROM t")).isEqualTo("3");
        }
    }

    private static String query(PgNode n, String sql) throws Exception {
        try (Connection c = n.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
