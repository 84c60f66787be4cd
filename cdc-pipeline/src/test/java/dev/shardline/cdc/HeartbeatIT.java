package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding 5 (heartbeat): captured tables stay quiet while another table writes lots of WAL; the slot must not pin it. */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class HeartbeatIT {
    @Test
    void quietCapturedTables_busyOtherTable_slotConfirmsTheWal(PgCluster cluster, @TempDir Path dir) throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_heartbeat");
        ShardlineConfig cfg =
                ShardlineConfig.fromYaml(CdcFixture.yaml(cluster, dir, "beat", "analytics_heartbeat", ""));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build()) {
            p.start();
            await().atMost(Duration.ofSeconds(30)).until(p::ready);
            // One captured change, then the captured tables stay quiet.
            cluster.primary(0).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (1, 1, 1)");
            try (Connection pg = java.sql.DriverManager.getConnection(
                    CdcFixture.analyticsUrl(cluster, "analytics_heartbeat"), "postgres", "")) {
                await().atMost(Duration.ofSeconds(30))
                        .ignoreExceptions()
                        .untilAsserted(() -> assertThat(CdcFixture.rows(pg, "SELECT count(*) FROM orders"))
                                .containsExactly("1"));
            }
            cluster.primary(0).execute("CREATE TABLE IF NOT EXISTS busy (g int, t text)");
            long before = lsn(cluster);
            for (int i = 0; i < 4; i++)
                cluster.primary(0).execute("INSERT INTO busy SELECT g, md5(g::text) FROM generate_series(1, 50000) g");
            long written = lsn(cluster) - before;
            assertThat(written).as("WAL written by the busy table").isGreaterThan(4_000_000);
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(retained(cluster, cdc.slotName("shard-0")))
                            .as("WAL the slot retains; %s", diagnose(cluster))
                            .isLessThan(written / 4));
        } finally {
            cluster.primary(0).execute("DROP TABLE IF EXISTS busy");
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    private static String diagnose(PgCluster cluster) {
        try (Connection c = cluster.primary(0).connect()) {
            return CdcFixture.rows(
                            c,
                            "SELECT slot_name, confirmed_flush_lsn, restart_lsn, pg_current_wal_lsn() FROM pg_replication_slots")
                    + " heartbeat rows " + CdcFixture.rows(c, "SELECT slot, at FROM shardline_cdc_heartbeat");
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static long lsn(PgCluster cluster) throws Exception {
        try (Connection c = cluster.primary(0).connect()) {
            return Long.parseLong(CdcFixture.rows(c, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
                    .get(0)
                    .replaceAll("\\..*", ""));
        }
    }

    private static long retained(PgCluster cluster, String slot) throws Exception {
        try (Connection c = cluster.primary(0).connect()) {
            String v = CdcFixture.rows(
                            c,
                            "SELECT pg_current_wal_lsn() - confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '"
                                    + slot + "'")
                    .get(0);
            return Long.parseLong(v.replaceAll("\\..*", ""));
        }
    }
}
