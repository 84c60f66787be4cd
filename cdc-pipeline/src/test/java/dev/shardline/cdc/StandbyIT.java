package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 5 (two sidecars): a second sidecar for the same shards neither ends the first one's slot
 * holder nor streams; it waits as a hot standby and takes over within 10 s when the first dies.
 */
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class StandbyIT {
    private static final String ORDERS = "SELECT tenant_id, id, amount, note, version FROM orders";

    @Test
    void activeKilled_standbyTakesOverWithinTenSeconds_nothingLost(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.createSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_standby");
        Path yaml = CdcFixture.yaml(cluster, dir, "standby", "analytics_standby", "");
        // DuckDB allows one process per file: a hot standby needs the PostgreSQL analytics store.
        Files.writeString(
                yaml,
                Files.readString(yaml)
                        .lines()
                        .filter(l -> !l.contains("duckdb:"))
                        .reduce("", (a, b) -> a + b + "\n"));
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        Path log = dir.resolve("sidecar.log");
        Process active = CrashDrillIT.startSidecar(yaml, dir);
        Process standby = null;
        try (Connection pg =
                DriverManager.getConnection(CdcFixture.analyticsUrl(cluster, "analytics_standby"), "postgres", "")) {
            cluster.primary(0).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (1, 1, 1)");
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .untilAsserted(() -> assertThat(CdcFixture.rows(pg, "SELECT count(*) FROM orders"))
                            .containsExactly("1"));
            standby = CrashDrillIT.startSidecar(yaml, dir);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> count(log, "standby: another sidecar streams this shard") >= 2);
            try (SourceWriter writer = new SourceWriter(cluster, 5_000).start()) {
                Thread.sleep(2_000);
                assertThat(count(log, "took over the shard's lease"))
                        .as("the standby streamed while the active one lived")
                        .isZero();
                long killed = System.nanoTime();
                active.destroyForcibly(); // SIGKILL
                assertThat(active.waitFor(10, TimeUnit.SECONDS)).isTrue();
                cluster.primary(0).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (1, 999999, 1)");
                cluster.primary(1).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (101, 999999, 1)");
                await().atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(100))
                        .untilAsserted(
                                () -> assertThat(CdcFixture.rows(pg, "SELECT count(*) FROM orders WHERE id = 999999"))
                                        .containsExactly("2"));
                System.out.printf(
                        "standby drill: rows committed after the SIGKILL visible on both shards %d ms after it%n",
                        (System.nanoTime() - killed) / 1_000_000);
                Thread.sleep(1_000);
            }
            List<String> source = CdcFixture.sourceRows(cluster, ORDERS);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(CdcFixture.rows(pg, ORDERS)).isEqualTo(source));
            assertThat(standby.isAlive()).isTrue();
            assertThat(count(log, "took over the shard's lease")).isEqualTo(2);
        } finally {
            if (active.isAlive()) active.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            if (standby != null) {
                standby.destroy();
                if (!standby.waitFor(30, TimeUnit.SECONDS))
                    standby.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            CrashDrillIT.keepLog(dir, "StandbyIT");
            CdcPipeline.cleanup(cfg, CdcConfig.fromYaml(cfg));
        }
    }

    private static long count(Path log, String text) throws Exception {
        return Files.exists(log)
                ? Files.readString(log).lines().filter(l -> l.contains(text)).count()
                : 0;
    }
}
