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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding 1: every sink, built-in or the user's, is at-least-once; the analytics sinks stay exactly-once. */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class SinkDeliveryIT {
    private static final String ORDERS = "SELECT tenant_id, id, amount, note, version FROM orders";

    @Test
    void apply_userSinkThrowsOnceOnBatchWithId3_receivesItAgain(PgCluster cluster, @TempDir Path dir) throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_retry");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(
                CdcFixture.yaml(cluster, dir, "retry", "analytics_retry", "  snapshot: never\n"));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        FlakySink sink = new FlakySink(1);
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).sink(sink).build();
                Connection pg = DriverManager.getConnection(
                        CdcFixture.analyticsUrl(cluster, "analytics_retry"), "postgres", "")) {
            p.start();
            await().atMost(Duration.ofSeconds(30)).until(p::ready);
            insertIds(cluster, 1, 7);
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertThat(sink.seen).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L));
            assertThat(sink.failures.get()).isEqualTo(1);
            List<String> source = CdcFixture.sourceRows(cluster, ORDERS);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(CdcFixture.rows(pg, ORDERS)).isEqualTo(source));
            try (Connection duck = p.openDuckDbReader()) {
                assertThat(CdcFixture.rows(duck, ORDERS)).isEqualTo(source); // no duplicates: duckdb has no primary key
            }
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    @Test
    void restart_userSinkFailedOnBatchWithId3_nextRunReceivesIt(PgCluster cluster, @TempDir Path dir) throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_resume");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(
                CdcFixture.yaml(cluster, dir, "resume", "analytics_resume", "  snapshot: never\n"));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try {
            FlakySink broken = new FlakySink(Integer.MAX_VALUE);
            try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).sink(broken).build()) {
                p.start();
                await().atMost(Duration.ofSeconds(30)).until(p::ready);
                insertIds(cluster, 1, 5);
                await().atMost(Duration.ofSeconds(30)).until(() -> broken.failures.get() >= 2);
            }
            FlakySink healthy = new FlakySink(0);
            try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).sink(healthy).build();
                    Connection pg = DriverManager.getConnection(
                            CdcFixture.analyticsUrl(cluster, "analytics_resume"), "postgres", "")) {
                p.start();
                insertIds(cluster, 6, 7);
                await().atMost(Duration.ofSeconds(60))
                        .untilAsserted(() -> assertThat(healthy.seen).contains(3L, 6L, 7L));
                List<String> source = CdcFixture.sourceRows(cluster, ORDERS);
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(
                                () -> assertThat(CdcFixture.rows(pg, ORDERS)).isEqualTo(source));
                try (Connection duck = p.openDuckDbReader()) {
                    assertThat(CdcFixture.rows(duck, ORDERS)).isEqualTo(source);
                }
            }
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    private static void insertIds(PgCluster cluster, int from, int to) throws InterruptedException {
        for (int id = from; id <= to; id++) {
            cluster.primary(0)
                    .execute("INSERT INTO orders (tenant_id, id, amount, note) VALUES (1, " + id + ", 1.00, 'n" + id
                            + "')");
            Thread.sleep(30);
        }
    }

    /** Records the order ids it receives; throws on the first {@code failTimes} batches that hold id 3. */
    static final class FlakySink implements ChangeSink {
        final Set<Long> seen = ConcurrentHashMap.newKeySet();
        final AtomicInteger failures = new AtomicInteger();
        private final int failTimes;

        FlakySink(int failTimes) {
            this.failTimes = failTimes;
        }

        @Override
        public String name() {
            return "flaky";
        }

        @Override
        public void open() {}

        @Override
        public void apply(ChangeBatch batch) {
            List<Long> ids = batch.events().stream()
                    .filter(e -> e.table().equals("orders") && e.op() == ChangeEvent.Op.UPSERT)
                    .map(e -> Long.parseLong(e.row().get("id")))
                    .toList();
            if (ids.contains(3L) && failures.get() < failTimes) {
                failures.incrementAndGet();
                throw new IllegalStateException("flaky sink - refusing the batch holding id 3");
            }
            seen.addAll(ids);
        }

        @Override
        public void close() {}
    }
}
