package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.cdc.cli.Main;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.RedisServer;
import dev.shardline.testkit.WithPgCluster;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.api.RedissonClient;

/**
 * The sidecar as a real process, SIGKILLed and restarted during a mixed workload: order inserts,
 * updates and deletes; updates of rows with 10 KB out-of-line (TOAST) text that leave it alone;
 * an ADD COLUMN; a TRUNCATE; a user sink that fails one batch in ten; a restart of the PostgreSQL
 * analytics store. Afterwards both analytics stores equal the source row for row (large values
 * included) and the user sink saw every change at least once.
 *
 * <p>{@value #DEFAULT_KILLS} kills by default (CI, well under 2 minutes); the long drill:
 * {@code -Dcdc.drill.kills=25}.
 */
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class CrashDrillIT {
    private static final int DEFAULT_KILLS = 4;
    private static final int KILLS = Integer.getInteger("cdc.drill.kills", DEFAULT_KILLS);
    private static final String ORDERS = "SELECT tenant_id, id, amount, note, version, region FROM orders";
    private static final String DOCS_PG = "SELECT tenant_id, id, n, md5(body) FROM docs";
    private static final String DOCS_DUCK = "SELECT tenant_id, id, n, md5(body) FROM docs";
    private static final String CUSTOMERS = "SELECT tenant_id, id, name FROM customers";

    @Test
    void sidecar_killedRepeatedlyUnderMixedLoad_sinksEqualSourceAndUserSinkSawEveryChange(
            PgCluster cluster, @TempDir Path dir) throws Exception {
        CdcFixture.createSchema(cluster);
        CdcFixture.resetDocs(cluster);
        cluster.executeOnPrimaries("ALTER TABLE orders DROP COLUMN IF EXISTS region");
        Random rnd = new Random(7);
        for (int s = 0; s < 2; s++) {
            long tenant = s * 100 + 1;
            cluster.primary(s)
                    .execute(
                            "INSERT INTO orders (tenant_id, id, amount, note) SELECT " + tenant
                                    + ", g, g, 'seed' FROM generate_series(1, 500) g",
                            "INSERT INTO customers (id, tenant_id, name) SELECT g, " + tenant
                                    + ", 'c' || g FROM generate_series(1, 20) g");
            try (Connection c = cluster.primary(s).connect();
                    PreparedStatement ps =
                            c.prepareStatement("INSERT INTO docs (tenant_id, id, body) VALUES (?, ?, ?)")) {
                for (int id = 1; id <= 20; id++) {
                    ps.setLong(1, tenant);
                    ps.setLong(2, id);
                    ps.setString(3, CdcFixture.randomText(rnd, 10_000));
                    ps.executeUpdate();
                }
            }
        }
        try (PgCluster analytics = PgCluster.start(1, 0);
                RedisServer redis = RedisServer.start()) {
            Path yaml = cluster.writeShardlineYaml(dir.resolve("shardline.yaml"), """
          tables:
            sharded: { orders: tenant_id, customers: tenant_id, docs: tenant_id }
          cdc:
            name: drill
            tables: [orders, customers, docs]
            heartbeat: 1s
            sinks:
              duckdb: { path: %s }
              postgres: { url: "%s", username: postgres }
            invalidate:
              orders: { namespace: order, tenant: tenant_id, id: id }
          cache:
            redis: { address: %s }
          """.formatted(
                            dir.resolve("drill.duckdb"), analytics.primary(0).jdbcUrl(), redis.address()));
            ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
            Path sinkLog = dir.resolve("user-sink.log");
            RedissonClient cache = RecordingInvalidator.client(redis.address());
            List<Long> stepsMs = new ArrayList<>();
            Set<String> docsTouched = ConcurrentHashMap.newKeySet();
            Set<String> ordersTouched;
            // Changes made before the first snapshot are in the snapshot, not in the commit log: the
            // writers start once the first sidecar has copied the seed rows.
            Process first = startSidecar(yaml, dir, redis.address(), sinkLog);
            Process last = null;
            try (Connection pg = analytics.primary(0).connect()) {
                await().atMost(Duration.ofSeconds(90))
                        .ignoreExceptions()
                        .until(() -> CdcFixture.rows(pg, "SELECT count(*) FROM orders")
                                .equals(List.of("1000")));
            }
            try {
                try (SourceWriter writer = new SourceWriter(cluster, 2_000).start();
                        DocsWriter docs = new DocsWriter(cluster, docsTouched).start()) {
                    ordersTouched = writer.touched();
                    for (int i = 0; i < KILLS; i++) {
                        long streamingBefore = i == 0 ? 0 : lines(dir, "engine started");
                        Process sidecar = i == 0 ? first : startSidecar(yaml, dir, redis.address(), sinkLog);
                        // Each kill lands while both shards stream (a loaded machine may take several seconds to
                        // start a JVM and its engines; a kill before that would test start-up, not streaming).
                        await().atMost(Duration.ofSeconds(90))
                                .pollInterval(Duration.ofMillis(100))
                                .until(() -> !sidecar.isAlive() || lines(dir, "engine started") >= streamingBefore + 2);
                        assertThat(sidecar.isAlive())
                                .as("sidecar died while starting; see %s", dir.resolve("sidecar.log"))
                                .isTrue();
                        long ms = 2_500 + rnd.nextInt(2_500);
                        stepsMs.add(ms);
                        Thread.sleep(ms / 2);
                        if (i == 1) {
                            cluster.primary(1)
                                    .execute(
                                            "TRUNCATE customers",
                                            "INSERT INTO customers (id, tenant_id, name) VALUES (1, 101, 'after truncate')");
                        }
                        if (i == KILLS / 2) {
                            cluster.executeOnPrimaries(
                                    "ALTER TABLE orders ADD COLUMN region text",
                                    "UPDATE orders SET region = 'r' || id WHERE id % 50 = 0");
                            // The running sidecar must take the new column into both sinks by itself (no restart).
                            await().atMost(Duration.ofSeconds(60))
                                    .pollInterval(Duration.ofMillis(100))
                                    .until(() -> !sidecar.isAlive()
                                            || lines(dir, "table orders follows the source (shard-") >= 2);
                            assertThat(lines(dir, "table orders follows the source (shard-"))
                                    .as("sinks that followed ADD COLUMN while streaming")
                                    .isGreaterThanOrEqualTo(2);
                        }
                        if (i == Math.max(0, KILLS - 2)) {
                            analytics.primary(0).stop();
                            Thread.sleep(1_500);
                            analytics.primary(0).start();
                            // The running sidecar must get through the restart by itself: its retries (backoff up
                            // to 10 s) reconnect the sink once the store is back.
                            await().atMost(Duration.ofSeconds(60))
                                    .pollInterval(Duration.ofMillis(100))
                                    .until(() ->
                                            !sidecar.isAlive() || lines(dir, "cdc sink postgres - reconnected") >= 1);
                        }
                        Thread.sleep(ms - ms / 2);
                        assertThat(sidecar.isAlive())
                                .as("sidecar died by itself; see %s", dir.resolve("sidecar.log"))
                                .isTrue();
                        sidecar.destroyForcibly(); // SIGKILL
                        assertThat(sidecar.waitFor(10, TimeUnit.SECONDS)).isTrue();
                    }
                    assertThat(writer.commits()).as("writer commits").isGreaterThan(100);
                }
                last = startSidecar(yaml, dir, redis.address(), sinkLog);
                List<String> orders = CdcFixture.sourceRows(cluster, ORDERS);
                List<String> docs = CdcFixture.sourceRows(cluster, DOCS_PG);
                List<String> customers = CdcFixture.sourceRows(cluster, CUSTOMERS);
                try (Connection pg = analytics.primary(0).connect()) {
                    await().atMost(Duration.ofSeconds(90))
                            .pollInterval(Duration.ofMillis(250))
                            .ignoreExceptions()
                            .untilAsserted(() -> {
                                assertThat(CdcFixture.rows(pg, ORDERS))
                                        .hasSameSizeAs(orders)
                                        .isEqualTo(orders);
                                assertThat(CdcFixture.rows(pg, DOCS_PG)).isEqualTo(docs);
                                assertThat(CdcFixture.rows(pg, CUSTOMERS)).isEqualTo(customers);
                            });
                }
                last.destroy(); // SIGTERM: graceful stop
                assertThat(last.waitFor(30, TimeUnit.SECONDS))
                        .as("graceful stop within 30 s")
                        .isTrue();
                try (Connection duck = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("drill.duckdb"))) {
                    List<String> analyticsRows = CdcFixture.rows(duck, ORDERS);
                    assertThat(missing(orders, analyticsRows))
                            .as("rows missing in duckdb")
                            .isEmpty();
                    assertThat(duplicates(analyticsRows))
                            .as("duplicate rows in duckdb")
                            .isEmpty();
                    assertThat(analyticsRows).isEqualTo(orders);
                    assertThat(CdcFixture.rows(duck, DOCS_DUCK)).isEqualTo(docs);
                    assertThat(CdcFixture.rows(duck, CUSTOMERS)).isEqualTo(customers);
                }
                String log = Files.readString(dir.resolve("sidecar.log"));
                long started =
                        log.lines().filter(l -> l.contains("engine started")).count();
                long replays =
                        log.lines().filter(l -> l.contains("replayed changes")).count();
                Set<String> applied = new HashSet<>(Files.readAllLines(sinkLog));
                List<String> notApplied = new ArrayList<>();
                ordersTouched.forEach(k -> {
                    if (!applied.contains("orders:" + k)) notApplied.add("orders:" + k);
                });
                docsTouched.forEach(k -> {
                    if (!applied.contains("docs:" + k)) notApplied.add("docs:" + k);
                });
                System.out.printf(
                        "crash drill: %d kills after %s ms of streaming, %d order rows, engine starts %d, batches with replays skipped %d, "
                                + "keys changed %d, user sink failures %d, ADD COLUMN followed while streaming %d / at a start %d, postgres sink reconnects %d%n",
                        KILLS,
                        stepsMs,
                        orders.size(),
                        started,
                        replays,
                        ordersTouched.size() + docsTouched.size(),
                        log.lines()
                                .filter(l -> l.contains("flaky sink - refusing"))
                                .count(),
                        log.lines()
                                .filter(l -> l.contains("table orders follows the source (shard-"))
                                .count(),
                        log.lines()
                                .filter(l -> l.contains("table orders follows the source: [added region]"))
                                .count(),
                        log.lines()
                                .filter(l -> l.contains("cdc sink postgres - reconnected"))
                                .count());
                assertThat(started)
                        .as("shard engines that reached streaming across the runs (2 per run)")
                        .isGreaterThanOrEqualTo(2L * KILLS);
                assertThat(log)
                        .as("the sidecar streaming while the analytics store restarted reconnected to it")
                        .contains("cdc sink postgres - reconnected");
                assertThat(notApplied)
                        .as("changes the user sink never applied (of %d)", ordersTouched.size() + docsTouched.size())
                        .isEmpty();
                Set<String> invalidated = RecordingInvalidator.recorded(cache);
                List<String> notInvalidated = ordersTouched.stream()
                        .filter(k -> !invalidated.contains("order:" + k))
                        .toList();
                assertThat(notInvalidated)
                        .as("committed changes whose cache key was never invalidated (of %d)", ordersTouched.size())
                        .isEmpty();
                assertThat(log).doesNotContain("dead-letter");
            } finally {
                if (last != null && last.isAlive()) last.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                keepLog(dir, "CrashDrillIT");
                CdcPipeline.cleanup(cfg, CdcConfig.fromYaml(cfg));
                cache.shutdown();
            }
        }
    }

    static Process startSidecar(Path yaml, Path dir) throws Exception {
        return startSidecar(yaml, dir, null, null);
    }

    /** Starts the sidecar as a child JVM on the test classpath; with {@code redis}, it invalidates keys there; with {@code sinkLog}, a flaky user sink logs there. */
    static Process startSidecar(Path yaml, Path dir, String redis, Path sinkLog) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(
                List.of(java, "-Xmx384m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path")));
        if (redis != null) cmd.add("-Dtest.redis=" + redis);
        if (sinkLog != null) cmd.add("-Dtest.sinklog=" + sinkLog);
        boolean test = redis != null || sinkLog != null;
        cmd.addAll(List.of(
                test ? TestSidecarMain.class.getName() : Main.class.getName(), "cdc", "--config", yaml.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        File log = dir.resolve("sidecar.log").toFile();
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        return pb.start();
    }

    private static long lines(Path dir, String text) throws java.io.IOException {
        Path log = dir.resolve("sidecar.log");
        if (!Files.exists(log)) return 0;
        try (var lines = Files.lines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.contains(text)).count();
        }
    }

    /** Copies the sidecars' log out of the test's temporary directory (deleted after the test) into {@code target/}. */
    static void keepLog(Path dir, String test) {
        try {
            Path log = dir.resolve("sidecar.log");
            if (Files.exists(log))
                Files.copy(
                        log,
                        Path.of("target", test + "-sidecar.log"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
            System.out.println("cannot keep the sidecar log: " + e);
        }
    }

    private static List<String> missing(List<String> source, List<String> sink) {
        Set<String> have = new HashSet<>(sink);
        return source.stream().filter(r -> !have.contains(r)).toList();
    }

    private static List<String> duplicates(List<String> rows) {
        Set<String> seen = new HashSet<>();
        return rows.stream()
                .filter(r -> !seen.add(r.split("\\|")[0] + "|" + r.split("\\|")[1]))
                .toList();
    }

    /** Updates docs rows on both shards: mostly {@code n = n + 1} (the 10 KB body untouched), one in ten a new body. */
    private static final class DocsWriter implements AutoCloseable {
        private final PgCluster cluster;
        private final Set<String> touched;
        private final Thread thread = new Thread(this::run, "docs-writer");
        private volatile boolean stop;

        DocsWriter(PgCluster cluster, Set<String> touched) {
            this.cluster = cluster;
            this.touched = touched;
        }

        DocsWriter start() {
            thread.start();
            return this;
        }

        private void run() {
            Random rnd = new Random(99);
            while (!stop) {
                int s = rnd.nextInt(2);
                long tenant = s * 100 + 1;
                int id = 1 + rnd.nextInt(20);
                try (Connection c = cluster.primary(s).connect()) {
                    boolean body = rnd.nextInt(10) == 0;
                    try (PreparedStatement ps = c.prepareStatement(
                            body
                                    ? "UPDATE docs SET body = ? WHERE tenant_id = ? AND id = ?"
                                    : "UPDATE docs SET n = n + 1 WHERE tenant_id = ? AND id = ?")) {
                        int i = 1;
                        if (body) ps.setString(i++, CdcFixture.randomText(rnd, 10_000));
                        ps.setLong(i++, tenant);
                        ps.setLong(i, id);
                        if (ps.executeUpdate() > 0) touched.add(tenant + ":" + id);
                    }
                    Thread.sleep(20);
                } catch (Exception e) {
                    if (e instanceof InterruptedException) return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }
    }
}
