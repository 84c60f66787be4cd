package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.RedisServer;
import dev.shardline.testkit.WithPgCluster;
import java.io.File;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar as a real process, SIGKILLed and restarted while a writer commits on both shards;
 * afterwards both analytics sinks equal the source row for row.
 */
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class CrashDrillIT {
  private static final String ORDERS = "SELECT tenant_id, id, amount, note, version FROM orders";
  private static final int KILLS = 10;

  @Test
  void sidecar_killedTenTimesUnderLoad_sinksEqualSourceWithoutLossOrDuplicates(PgCluster cluster, @TempDir Path dir) throws Exception {
    CdcFixture.createSchema(cluster);
    CdcFixture.createDatabase(cluster.primary(0), "analytics_drill");
    for (int s = 0; s < 2; s++) {
      cluster.primary(s).execute("INSERT INTO orders (tenant_id, id, amount, note) "
          + "SELECT " + (s * 100 + 1) + ", g, g, 'seed' FROM generate_series(1, 500) g");
    }
    RedisServer redis = RedisServer.start();
    Path yaml = CdcFixture.yaml(cluster, dir, "drill", "analytics_drill",
        "  invalidate:\n    orders: { namespace: order, tenant: tenant_id, id: id }\n"
            + "cache:\n  redis: { address: " + redis.address() + " }\n");
    ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
    Random rnd = new Random(7);
    List<Long> stepsMs = new ArrayList<>();
    RedissonClient cache = RecordingInvalidator.client(redis.address());
    Set<String> touched;
    // Changes made before the first snapshot are in the snapshot, not in the commit log: the
    // writer starts once the first sidecar has copied the seed rows.
    Process first = startSidecar(yaml, dir, redis.address());
    try (Connection pg = DriverManager.getConnection(CdcFixture.analyticsUrl(cluster, "analytics_drill"), "postgres", "")) {
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> CdcFixture.rows(pg, "SELECT count(*) FROM orders").equals(List.of("1000")));
    }
    try (SourceWriter writer = new SourceWriter(cluster, 2_000).start()) {
      touched = writer.touched();
      for (int i = 0; i < KILLS; i++) {
        Process sidecar = i == 0 ? first : startSidecar(yaml, dir, redis.address());
        long ms = 2_500 + rnd.nextInt(3_500);
        stepsMs.add(ms);
        Thread.sleep(ms);
        assertThat(sidecar.isAlive()).as("sidecar died by itself; see %s", dir.resolve("sidecar.log")).isTrue();
        sidecar.destroyForcibly(); // SIGKILL
        assertThat(sidecar.waitFor(10, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(writer.commits()).as("writer commits").isGreaterThan(100);
    }
    Process last = startSidecar(yaml, dir, redis.address());
    try (Connection pg = DriverManager.getConnection(CdcFixture.analyticsUrl(cluster, "analytics_drill"), "postgres", "")) {
      List<String> source = CdcFixture.sourceRows(cluster, ORDERS);
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
          .untilAsserted(() -> assertThat(CdcFixture.rows(pg, ORDERS)).hasSameSizeAs(source).isEqualTo(source));
      last.destroy(); // SIGTERM: graceful stop
      assertThat(last.waitFor(30, TimeUnit.SECONDS)).as("graceful stop within 30 s").isTrue();
      try (Connection duck = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("drill.duckdb"))) {
        List<String> analytics = CdcFixture.rows(duck, ORDERS);
        assertThat(missing(source, analytics)).as("rows missing in duckdb").isEmpty();
        assertThat(duplicates(analytics)).as("duplicate rows in duckdb").isEmpty();
        assertThat(analytics).isEqualTo(source);
      }
      String log = java.nio.file.Files.readString(dir.resolve("sidecar.log"));
      long started = log.lines().filter(l -> l.contains("engine started")).count();
      long replays = log.lines().filter(l -> l.contains("replayed changes")).count();
      System.out.printf("crash drill: %d kills after %s ms, %d rows, engine starts %d, batches with replays skipped %d, "
          + "keys changed %d%n", KILLS, stepsMs, source.size(), started, replays, touched.size());
      assertThat(started).as("engines that reached streaming across the runs").isGreaterThanOrEqualTo(KILLS);
      Set<String> invalidated = RecordingInvalidator.recorded(cache);
      List<String> notInvalidated = touched.stream().filter(k -> !invalidated.contains("order:" + k)).toList();
      assertThat(notInvalidated).as("committed changes whose cache key was never invalidated (of %d)", touched.size()).isEmpty();
      assertThat(log.lines().filter(l -> l.matches(".* - sink \\w+ failed.*"))).as("sink failures").isEmpty();
    } finally {
      if (last.isAlive()) last.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      CdcPipeline.cleanup(cfg, CdcConfig.fromYaml(cfg));
      cache.shutdown();
      redis.close();
    }
  }

  static Process startSidecar(Path yaml, Path dir) throws Exception {
    return startSidecar(yaml, dir, null);
  }

  /** Starts the sidecar as a child JVM on the test classpath; with {@code redis}, it invalidates keys there. */
  static Process startSidecar(Path yaml, Path dir, String redis) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path")));
    if (redis != null) cmd.add("-Dtest.redis=" + redis);
    cmd.addAll(List.of(redis != null ? TestSidecarMain.class.getName() : Main.class.getName(), "cdc", "--config", yaml.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    File log = dir.resolve("sidecar.log").toFile();
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    return pb.start();
  }

  private static List<String> missing(List<String> source, List<String> sink) {
    Set<String> have = new HashSet<>(sink);
    return source.stream().filter(r -> !have.contains(r)).toList();
  }

  private static List<String> duplicates(List<String> rows) {
    Set<String> seen = new HashSet<>();
    return rows.stream().filter(r -> !seen.add(r.split("\\|")[0] + "|" + r.split("\\|")[1])).toList();
  }
}
