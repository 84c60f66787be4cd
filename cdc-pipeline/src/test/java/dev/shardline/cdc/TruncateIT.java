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

/** Finding 4 (TRUNCATE): a truncated table on one shard removes that shard's analytics rows, not the others'. */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class TruncateIT {
    private static final String ORDERS = "SELECT tenant_id, id, amount, note, version FROM orders";

    @Test
    void truncate_onOneShard_removesOnlyThatShardsRows(PgCluster cluster, @TempDir Path dir) throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_truncate");
        cluster.primary(0)
                .execute("INSERT INTO orders (tenant_id, id, amount) SELECT 1, g, g FROM generate_series(1, 20) g");
        cluster.primary(1)
                .execute("INSERT INTO orders (tenant_id, id, amount) SELECT 2, g, g FROM generate_series(1, 20) g");
        ShardlineConfig cfg =
                ShardlineConfig.fromYaml(CdcFixture.yaml(cluster, dir, "trunc", "analytics_truncate", ""));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build();
                Connection pg = DriverManager.getConnection(
                        CdcFixture.analyticsUrl(cluster, "analytics_truncate"), "postgres", "")) {
            p.start();
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(CdcFixture.rows(pg, "SELECT count(*) FROM orders"))
                            .containsExactly("40"));
            cluster.primary(0)
                    .execute(
                            "INSERT INTO orders (tenant_id, id, amount) VALUES (1, 100, 1)",
                            "TRUNCATE orders",
                            "INSERT INTO orders (tenant_id, id, amount) VALUES (1, 101, 1)");
            List<String> source = CdcFixture.sourceRows(cluster, ORDERS);
            assertThat(source).hasSize(21);
            try (Connection duck = p.openDuckDbReader()) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(CdcFixture.rows(pg, ORDERS)).isEqualTo(source);
                    assertThat(CdcFixture.rows(duck, ORDERS)).isEqualTo(source);
                });
            }
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }
}
