package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slot's {@code confirmed_flush_lsn} follows what the sinks durably stored, and never passes it:
 * WAL of a change some sink has not applied stays in the slot, while the sidecar runs and after it stops.
 */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class SlotConfirmIT {
    private static final String ORDERS = "SELECT tenant_id, id, amount, note, version FROM orders";

    @Test
    void confirm_sinkRefusesId3_slotStaysBeforeItsCommitUntilApplied(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_confirm");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(
                CdcFixture.yaml(cluster, dir, "confirm", "analytics_confirm", "  snapshot: never\n"));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        String slot = cdc.slotName("shard-0");
        try (Connection pg =
                DriverManager.getConnection(CdcFixture.analyticsUrl(cluster, "analytics_confirm"), "postgres", "")) {
            long afterId3;
            SinkDeliveryIT.FlakySink broken = new SinkDeliveryIT.FlakySink(Integer.MAX_VALUE);
            try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).sink(broken).build()) {
                p.start();
                await().atMost(Duration.ofSeconds(30)).until(p::ready);
                insert(cluster, 1);
                long afterId1 = walLsn(cluster);
                // While every sink keeps up, the slot confirms (heartbeats move it past the last write).
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> assertThat(confirmed(cluster, slot))
                                .as("slot confirmed past id 1")
                                .isGreaterThanOrEqualTo(afterId1));

                insert(cluster, 3); // the user sink refuses every batch holding id 3
                afterId3 = walLsn(cluster);
                insert(cluster, 4);
                // The engine streams on past id 3 (its heartbeat action commits again) while the sink retries.
                String since = text(cluster, "SELECT now()");
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> broken.failures.get() >= 3 && heartbeatAfter(cluster, slot, since));
                assertThat(confirmed(cluster, slot))
                        .as("slot confirmed while id 3 is unapplied")
                        .isLessThan(afterId3);
                assertThat(confirmed(cluster, slot))
                        .as("slot confirmed vs the analytics offset")
                        .isLessThanOrEqualTo(storedCommitLsn(pg));
            } // closing flushes the stored offset once more
            assertThat(confirmed(cluster, slot))
                    .as("slot confirmed after stopping with id 3 unapplied")
                    .isLessThan(afterId3);

            SinkDeliveryIT.FlakySink healthy = new SinkDeliveryIT.FlakySink(0);
            try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).sink(healthy).build()) {
                p.start();
                await().atMost(Duration.ofSeconds(60))
                        .untilAsserted(() -> assertThat(healthy.seen).contains(3L, 4L));
                java.util.List<String> source = CdcFixture.sourceRows(cluster, ORDERS);
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(
                                () -> assertThat(CdcFixture.rows(pg, ORDERS)).isEqualTo(source));
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> assertThat(confirmed(cluster, slot))
                                .as("slot confirmed once id 3 is applied")
                                .isGreaterThan(afterId3));
            }
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    private static void insert(PgCluster cluster, int id) {
        cluster.primary(0)
                .execute(
                        "INSERT INTO orders (tenant_id, id, amount, note) VALUES (1, " + id + ", 1.00, 'n" + id + "')");
    }

    private static long walLsn(PgCluster cluster) throws Exception {
        return number(cluster, "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn");
    }

    private static long confirmed(PgCluster cluster, String slot) throws Exception {
        return number(
                cluster,
                "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = '" + slot
                        + "'");
    }

    private static boolean heartbeatAfter(PgCluster cluster, String slot, String since) throws Exception {
        try (Connection c = cluster.primary(0).connect()) {
            return CdcFixture.rows(
                            c,
                            "SELECT count(*) FROM shardline_cdc_heartbeat WHERE slot = '" + slot + "' AND at > '"
                                    + since + "'")
                    .equals(java.util.List.of("1"));
        }
    }

    /** The commit LSN in the offset the PostgreSQL analytics sink stored for shard-0 (what the slot may confirm). */
    private static long storedCommitLsn(Connection pg) throws Exception {
        String v = CdcFixture.rows(
                        pg,
                        "SELECT (offset_json::jsonb ->> 'lsn_commit') FROM shardline_cdc_offsets WHERE shard = 'shard-0'")
                .get(0);
        return Long.parseLong(v);
    }

    private static long number(PgCluster cluster, String sql) throws Exception {
        return Long.parseLong(text(cluster, sql).replaceAll("\\..*", ""));
    }

    private static String text(PgCluster cluster, String sql) throws Exception {
        try (Connection c = cluster.primary(0).connect()) {
            return CdcFixture.rows(c, sql).get(0);
        }
    }
}
