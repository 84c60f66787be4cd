package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shard primary restarted mid-stream: its engine reconnects with backoff, the other shard keeps streaming. */
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class ShardRestartIT {
    private static final String ORDERS = "SELECT tenant_id, id, amount, note, version FROM orders";

    @Test
    void primaryRestart_thatShardResumes_otherShardNeverStops(PgCluster cluster, @TempDir Path dir) throws Exception {
        CdcFixture.createSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_restart");
        ShardlineConfig cfg =
                ShardlineConfig.fromYaml(CdcFixture.yaml(cluster, dir, "restart", "analytics_restart", ""));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build();
                Connection pg = DriverManager.getConnection(
                        CdcFixture.analyticsUrl(cluster, "analytics_restart"), "postgres", "")) {
            p.start();
            await().atMost(Duration.ofSeconds(30)).until(p::ready);
            try (SourceWriter writer = new SourceWriter(cluster, 3_000).start()) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> rowsFrom(pg, "shard-1") > 20 && rowsFrom(pg, "shard-0") > 20);
                cluster.primary(1).stop();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> p.status().get("shard-1").startsWith("down"));
                long shard0 = rowsFrom(pg, "shard-0");
                await().atMost(Duration.ofSeconds(30)).until(() -> rowsFrom(pg, "shard-0") > shard0 + 20);
                assertThat(p.status().get("shard-0")).isEqualTo("streaming");
                cluster.primary(1).start();
                await().atMost(Duration.ofSeconds(60)).until(p::ready);
                Thread.sleep(1_000); // writes on the restarted shard after its engine is back
            }
            List<String> source = CdcFixture.sourceRows(cluster, ORDERS);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(CdcFixture.rows(pg, ORDERS)).isEqualTo(source));
            try (Connection duck = p.openDuckDbReader()) {
                assertThat(CdcFixture.rows(duck, ORDERS)).isEqualTo(source);
            }
            assertThat(p.meterRegistry()
                            .get("shardline.cdc.restarts")
                            .tag("shard", "shard-0")
                            .counter()
                            .count())
                    .isZero();
            assertThat(p.meterRegistry()
                            .get("shardline.cdc.restarts")
                            .tag("shard", "shard-1")
                            .counter()
                            .count())
                    .isGreaterThanOrEqualTo(1);
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    private static long rowsFrom(Connection pg, String shard) throws Exception {
        try (Statement s = pg.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM orders WHERE _source_shard = '" + shard + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
