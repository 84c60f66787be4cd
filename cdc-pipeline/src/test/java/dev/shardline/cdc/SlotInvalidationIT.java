package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.shardline.cdc.cli.CdcCommand;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Finding 5 (slots): a slot PostgreSQL invalidated (max_slot_wal_keep_size) gives a clear error
 * instead of a restart loop, and {@code cdc resnapshot --shard} copies the shard again without duplicates.
 */
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class SlotInvalidationIT {
    private static final String ORDERS = "SELECT tenant_id, id, amount, note, version FROM orders";

    @Test
    void start_slotInvalidated_failsWithResnapshotHint_thenResnapshotRecopies(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.createSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_lost");
        cluster.primary(0)
                .execute("INSERT INTO orders (tenant_id, id, amount) SELECT 1, g, g FROM generate_series(1, 50) g");
        Path yaml = CdcFixture.yaml(cluster, dir, "lost", "analytics_lost", "");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (Connection pg =
                DriverManager.getConnection(CdcFixture.analyticsUrl(cluster, "analytics_lost"), "postgres", "")) {
            try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build()) {
                p.start();
                await().atMost(Duration.ofSeconds(60))
                        .untilAsserted(() -> assertThat(CdcFixture.rows(pg, "SELECT count(*) FROM orders"))
                                .containsExactly("50"));
            }
            // While no sidecar runs: changes, then enough WAL that PostgreSQL invalidates the idle slot.
            cluster.primary(0)
                    .execute(
                            "DELETE FROM orders WHERE id <= 10",
                            "UPDATE orders SET version = 2 WHERE id = 20",
                            "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'",
                            "SELECT pg_reload_conf()",
                            "CREATE TABLE IF NOT EXISTS filler (g int, t text)");
            for (int i = 0; i < 20 && !slotLost(cluster, cdc); i++) {
                cluster.primary(0)
                        .execute(
                                "INSERT INTO filler SELECT g, md5(g::text) FROM generate_series(1, 100000) g",
                                "SELECT pg_switch_wal()",
                                "CHECKPOINT");
            }
            assertThat(slotLost(cluster, cdc)).as("slot invalidated").isTrue();

            assertThatThrownBy(() -> {
                        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build()) {
                            p.start();
                        }
                    })
                    .isInstanceOf(ShardlineCdcException.class)
                    .hasMessageStartingWith("cdc shard-0 - replication slot lost_shard_0 was invalidated by PostgreSQL")
                    .hasMessageContaining("cdc resnapshot --shard shard-0");

            StringWriter out = new StringWriter();
            int code = new CommandLine(new CdcCommand())
                    .setOut(new PrintWriter(out))
                    .execute("resnapshot", "--shard", "shard-0", "--config", yaml.toString());
            assertThat(code).as(out.toString()).isZero();
            assertThat(out.toString())
                    .contains("dropped slot lost_shard_0", "removed its rows and offset from sink postgres");

            try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build()) {
                p.start();
                List<String> source = CdcFixture.sourceRows(cluster, ORDERS);
                await().atMost(Duration.ofSeconds(60))
                        .untilAsserted(
                                () -> assertThat(CdcFixture.rows(pg, ORDERS)).isEqualTo(source));
                try (Connection duck = p.openDuckDbReader()) {
                    assertThat(CdcFixture.rows(duck, ORDERS)).isEqualTo(source);
                }
            }
        } finally {
            cluster.primary(0)
                    .execute(
                            "ALTER SYSTEM RESET max_slot_wal_keep_size",
                            "SELECT pg_reload_conf()",
                            "DROP TABLE IF EXISTS filler");
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    private static boolean slotLost(PgCluster cluster, CdcConfig cdc) throws Exception {
        try (Connection c = cluster.primary(0).connect()) {
            return CdcFixture.rows(
                            c,
                            "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '" + cdc.slotName("shard-0")
                                    + "'")
                    .equals(List.of("lost"));
        }
    }
}
