package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding 4 (poison events): per sink, halt (the default) or dead-letter the change and go on, degraded. */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class PoisonEventIT {
    @Test
    void deadletter_sinkRefusesId3_otherChangesFlowAndId3IsInTheDeadLetterTable(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_poison");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(
                CdcFixture.yaml(cluster, dir, "poison", "analytics_poison", "  snapshot: never\n"));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        PoisonSink sink = new PoisonSink();
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc)
                        .sink(sink, OnError.DEADLETTER)
                        .build();
                Connection pg = DriverManager.getConnection(
                        CdcFixture.analyticsUrl(cluster, "analytics_poison"), "postgres", "")) {
            p.start();
            await().atMost(Duration.ofSeconds(30)).until(p::ready);
            for (int id = 1; id <= 6; id++)
                cluster.primary(0).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (1, " + id + ", 1)");
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(sink.seen).containsExactlyInAnyOrder(1L, 2L, 4L, 5L, 6L));
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(CdcFixture.rows(pg, "SELECT count(*) FROM orders"))
                            .containsExactly("6"));
            List<String> dead = CdcFixture.rows(
                    pg, "SELECT shard, sink, source_table, op, row_json, error FROM shardline_cdc_deadletter");
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0))
                    .startsWith("shard-0|poison|orders|UPSERT|")
                    .contains("\"id\":\"3\"")
                    .endsWith("poison sink - id 3 is poison");
            assertThat(p.meterRegistry()
                            .get("shardline.cdc.deadletter.events")
                            .tag("sink", "poison")
                            .counter()
                            .count())
                    .isEqualTo(1);
            assertThat(p.ready()).isTrue();
            assertThat(p.degraded()).isTrue();
            assertThat(p.status().get("shard-0")).startsWith("streaming (degraded: 1 changes dead-lettered");
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    @Test
    void halt_sinkRefusesId3_shardStopsBeforeIt(PgCluster cluster, @TempDir Path dir) throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_halt");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(
                CdcFixture.yaml(cluster, dir, "halt", "analytics_halt", "  snapshot: never\n"));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        PoisonSink sink = new PoisonSink();
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).sink(sink).build();
                Connection pg = DriverManager.getConnection(
                        CdcFixture.analyticsUrl(cluster, "analytics_halt"), "postgres", "")) {
            p.start();
            await().atMost(Duration.ofSeconds(30)).until(p::ready);
            for (int id = 1; id <= 6; id++) {
                cluster.primary(0).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (1, " + id + ", 1)");
                Thread.sleep(50);
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> p.status().get("shard-0").contains("sink poison failed"));
            Thread.sleep(1_500); // a few retries
            assertThat(p.ready()).isFalse();
            assertThat(sink.seen).doesNotContain(3L, 4L, 5L, 6L);
            assertThat(CdcFixture.rows(pg, "SELECT id FROM orders WHERE id >= 3"))
                    .isEmpty();
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    /** Records order ids; refuses every batch that holds id 3. */
    static final class PoisonSink implements ChangeSink {
        final Set<Long> seen = ConcurrentHashMap.newKeySet();

        @Override
        public String name() {
            return "poison";
        }

        @Override
        public void open() {}

        @Override
        public void apply(ChangeBatch batch) {
            List<Long> ids = batch.events().stream()
                    .filter(e -> e.table().equals("orders") && e.op() == ChangeEvent.Op.UPSERT)
                    .map(e -> Long.parseLong(e.row().get("id")))
                    .toList();
            if (ids.contains(3L)) throw new IllegalArgumentException("poison sink - id 3 is poison");
            seen.addAll(ids);
        }

        @Override
        public void close() {}
    }
}
