package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding 3: the PostgreSQL analytics store restarted under load; the sink reconnects and catches up. */
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class AnalyticsRestartIT {
    private static final String ORDERS = "SELECT tenant_id, id, amount, note, version FROM orders";

    @Test
    void analyticsRestart_sinkReconnects_storeEqualsSource(PgCluster cluster, @TempDir Path dir) throws Exception {
        CdcFixture.createSchema(cluster);
        try (PgCluster analytics = PgCluster.start(1, 0)) {
            String url = analytics.primary(0).jdbcUrl();
            Path yaml = CdcFixture.yaml(cluster, dir, "pgrestart", "unused", "");
            java.nio.file.Files.writeString(
                    yaml,
                    java.nio.file.Files.readString(yaml).replace(CdcFixture.analyticsUrl(cluster, "unused"), url));
            ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
            CdcConfig cdc = CdcConfig.fromYaml(cfg);
            try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build()) {
                p.start();
                await().atMost(Duration.ofSeconds(30)).until(p::ready);
                try (SourceWriter writer = new SourceWriter(cluster, 5_000).start()) {
                    Thread.sleep(1_000);
                    analytics.primary(0).stop();
                    await().atMost(Duration.ofSeconds(30)).until(() -> !p.ready());
                    Thread.sleep(2_000); // changes keep coming while the store is down
                    analytics.primary(0).start();
                    await().atMost(Duration.ofSeconds(60)).until(p::ready);
                    Thread.sleep(1_000);
                }
                List<String> source = CdcFixture.sourceRows(cluster, ORDERS);
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(250))
                        .untilAsserted(() -> {
                            try (Connection pg = analytics.primary(0).connect()) {
                                assertThat(CdcFixture.rows(pg, ORDERS)).isEqualTo(source);
                            }
                        });
                try (Connection duck = p.openDuckDbReader()) {
                    assertThat(CdcFixture.rows(duck, ORDERS)).isEqualTo(source);
                }
            } finally {
                CdcPipeline.cleanup(cfg, cdc);
            }
        }
    }
}
