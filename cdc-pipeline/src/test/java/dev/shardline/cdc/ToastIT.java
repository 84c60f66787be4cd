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
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 2: an UPDATE that leaves a large out-of-line (TOASTed) text and jsonb value alone must not
 * overwrite it in the sinks with Debezium's placeholder, nor halt the PostgreSQL sink on the jsonb cast.
 */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class ToastIT {
    private static final String SOURCE = "SELECT tenant_id, id, n, md5(body), md5(meta::text) FROM docs";
    private static final String DUCK = "SELECT tenant_id, id, n, md5(body), md5(meta) FROM docs";

    @Test
    void update_notTouchingToastedColumns_sinksKeepTheLargeValues(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.resetDocs(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_toast");
        Random rnd = new Random(12);
        insertDoc(cluster, 1, rnd);
        ShardlineConfig cfg = ShardlineConfig.fromYaml(
                CdcFixture.docsYaml(cluster, dir, "toast", CdcFixture.analyticsUrl(cluster, "analytics_toast"), ""));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        Queue<String> values = new ConcurrentLinkedQueue<>();
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc)
                        .sink(new ValueSink(values))
                        .build();
                Connection pg = DriverManager.getConnection(
                        CdcFixture.analyticsUrl(cluster, "analytics_toast"), "postgres", "")) {
            p.start();
            await().atMost(Duration.ofSeconds(30)).until(p::ready);
            cluster.primary(0).execute("UPDATE docs SET n = n + 1 WHERE id = 1");
            // Insert and an untouching update of the same row in one transaction: one batch, the sink has no row yet.
            try (Connection c = cluster.primary(0).connect()) {
                c.setAutoCommit(false);
                insertDoc(c, 2, rnd);
                c.createStatement().execute("UPDATE docs SET n = n + 5 WHERE id = 2");
                c.commit();
            }
            cluster.primary(0).execute("UPDATE docs SET n = n + 1 WHERE id = 2");
            List<String> source = CdcFixture.sourceRows(cluster, SOURCE);
            assertThat(source).hasSize(2).allSatisfy(r -> assertThat(r).doesNotContain("null"));
            try (Connection duck = p.openDuckDbReader()) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(CdcFixture.rows(pg, SOURCE)).isEqualTo(source);
                    assertThat(CdcFixture.rows(duck, DUCK)).isEqualTo(source);
                });
            }
            assertThat(values).noneMatch(v -> v.contains("__debezium_unavailable_value"));
            assertThat(p.status())
                    .allSatisfy((shard, state) -> assertThat(state).isEqualTo("streaming"));
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    private static void insertDoc(PgCluster cluster, long id, Random rnd) throws Exception {
        try (Connection c = cluster.primary(0).connect()) {
            insertDoc(c, id, rnd);
        }
    }

    private static void insertDoc(Connection c, long id, Random rnd) throws Exception {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO docs (tenant_id, id, body, meta) VALUES (1, ?, ?, CAST(? AS jsonb))")) {
            ps.setLong(1, id);
            ps.setString(2, CdcFixture.randomText(rnd, 10_000));
            ps.setString(3, "{\"blob\": \"" + CdcFixture.randomText(rnd, 10_000) + "\", \"k\": " + id + "}");
            ps.executeUpdate();
        }
    }

    /** Keeps every column value any event carried. */
    private record ValueSink(Queue<String> values) implements ChangeSink {
        @Override
        public String name() {
            return "values";
        }

        @Override
        public void open() {}

        @Override
        public void apply(ChangeBatch batch) {
            for (ChangeEvent e : batch.events()) e.row().values().forEach(v -> values.add(String.valueOf(v)));
        }

        @Override
        public void close() {}
    }
}
