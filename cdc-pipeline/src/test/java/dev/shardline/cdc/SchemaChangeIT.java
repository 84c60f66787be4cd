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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding 4 (schema): ADD COLUMN, DROP COLUMN and type widening reach both analytics stores, running or across a restart. */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class SchemaChangeIT {
    @Test
    void alterWhileRunning_addDropWiden_sinksFollowWithoutHalting(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        reset(cluster, "items_live");
        CdcFixture.createDatabase(cluster.primary(0), "analytics_schema_live");
        ShardlineConfig cfg = config(cluster, dir, "schemalive", "analytics_schema_live", "items_live");
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build();
                Connection pg = DriverManager.getConnection(
                        CdcFixture.analyticsUrl(cluster, "analytics_schema_live"), "postgres", "")) {
            p.start();
            await().atMost(Duration.ofSeconds(30)).until(p::ready);
            cluster.primary(0).execute("INSERT INTO items_live VALUES (1, 1, 5, 'first')");
            cluster.executeOnPrimaries("ALTER TABLE items_live ADD COLUMN region text");
            cluster.primary(0).execute("INSERT INTO items_live VALUES (1, 2, 6, 'second', 'eu')");
            cluster.executeOnPrimaries("ALTER TABLE items_live ALTER COLUMN qty TYPE bigint");
            cluster.primary(1).execute("INSERT INTO items_live VALUES (2, 1, 5000000000, 'big', 'us')");
            cluster.executeOnPrimaries("ALTER TABLE items_live DROP COLUMN note");
            cluster.primary(0)
                    .execute(
                            "INSERT INTO items_live VALUES (1, 3, 7, 'ap')",
                            "UPDATE items_live SET qty = 6000000000 WHERE id = 1");
            assertSinksEqualSource(cluster, pg, p, "items_live", "SELECT tenant_id, id, qty, region FROM items_live");
            assertThat(columns(pg, "items_live")).doesNotContain("note");
            assertThat(p.status())
                    .allSatisfy((shard, state) -> assertThat(state).isEqualTo("streaming"));
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    @Test
    void addColumnWhileStopped_restart_sinksGainTheColumn(PgCluster cluster, @TempDir Path dir) throws Exception {
        reset(cluster, "items_restart");
        CdcFixture.createDatabase(cluster.primary(0), "analytics_schema_restart");
        ShardlineConfig cfg = config(cluster, dir, "schemarestart", "analytics_schema_restart", "items_restart");
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (Connection pg = DriverManager.getConnection(
                CdcFixture.analyticsUrl(cluster, "analytics_schema_restart"), "postgres", "")) {
            cluster.primary(0).execute("INSERT INTO items_restart VALUES (1, 1, 5, 'first')");
            try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build()) {
                p.start();
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(CdcFixture.rows(pg, "SELECT count(*) FROM items_restart"))
                                .containsExactly("1"));
            }
            cluster.executeOnPrimaries(
                    "ALTER TABLE items_restart ADD COLUMN region text",
                    "ALTER TABLE items_restart ALTER COLUMN qty TYPE bigint");
            cluster.primary(0).execute("INSERT INTO items_restart VALUES (1, 2, 5000000000, 'second', 'eu')");
            ShardlineConfig cfg2 = config(cluster, dir, "schemarestart", "analytics_schema_restart", "items_restart");
            try (CdcPipeline p =
                    CdcPipeline.builder(cfg2, CdcConfig.fromYaml(cfg2)).build()) {
                p.start();
                assertSinksEqualSource(
                        cluster, pg, p, "items_restart", "SELECT tenant_id, id, qty, note, region FROM items_restart");
                assertThat(p.meterRegistry().get("shardline.cdc.restarts").counters())
                        .allSatisfy(c -> assertThat(c.count()).isZero());
            }
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    private static void reset(PgCluster cluster, String table) {
        cluster.executeOnPrimaries(
                "DROP TABLE IF EXISTS " + table,
                "CREATE TABLE " + table
                        + " (tenant_id bigint NOT NULL, id bigint NOT NULL, qty int, note text, PRIMARY KEY (tenant_id, id))");
    }

    private static ShardlineConfig config(PgCluster cluster, Path dir, String name, String db, String table) {
        return ShardlineConfig.fromYaml(
                CdcFixture.tableYaml(cluster, dir, name, CdcFixture.analyticsUrl(cluster, db), table, ""));
    }

    private static void assertSinksEqualSource(
            PgCluster cluster, Connection pg, CdcPipeline p, String table, String sql) throws Exception {
        try (Connection duck = p.openDuckDbReader()) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                List<String> source = CdcFixture.sourceRows(cluster, sql);
                assertThat(CdcFixture.rows(pg, sql)).isEqualTo(source);
                assertThat(CdcFixture.rows(duck, sql)).isEqualTo(source);
            });
        }
    }

    private static List<String> columns(Connection pg, String table) throws Exception {
        return CdcFixture.rows(
                pg, "SELECT column_name FROM information_schema.columns WHERE table_name = '" + table + "'");
    }
}
