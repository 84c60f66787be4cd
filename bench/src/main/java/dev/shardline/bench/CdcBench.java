package dev.shardline.bench;

import dev.shardline.bench.cdc.BenchCache;
import dev.shardline.bench.cdc.CpuMeter;
import dev.shardline.bench.cdc.StageTimes;
import dev.shardline.bench.cdc.StampingSink;
import dev.shardline.bench.cdc.TimedInvalidator;
import dev.shardline.cdc.CdcConfig;
import dev.shardline.cdc.CdcPipeline;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.RedisServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * CDC figures on two loopback shards: commit → cache invalidated and commit → visible in DuckDB
 * latencies (p50/p99), sustained drain throughput with both sinks (DuckDB + Redis invalidation)
 * against a raw Debezium drain of the same backlog in the same run (median of paired rounds, with the
 * CPU each change cost per process and thread), and the sidecar's idle CPU.
 *
 * <p>Args: [backlog changes per shard, default 50000] [latency samples, default 1000] [pollInterval ms, default 10]
 * [shards, default 2]. The figures are defined for 2 shards; one shard leaves a core free for the sinks, which shows
 * what the drain ratio is when CPU is not the limit.
 */
public final class CdcBench {
    private static final int DRAIN_ROUNDS = 6; // even: each side drains first equally often
    private static final int WARM_ROUNDS = 3;
    private static int shards = 2;
    private static final String TABLES = "tables:\n  sharded: { orders: tenant_id }\n";

    private CdcBench() {}

    public static void main(String[] args) throws Exception {
        dev.shardline.cdc.cli.Main.defaultLogging();
        int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        // The engines' poll interval (cdc.pollInterval): idle CPU and latency trade through it.
        int pollMs = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        shards = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Path dir = Files.createTempDirectory("shardline-cdc-bench-");
        try (PgCluster cluster = PgCluster.start(shards, 0);
                RedisServer redis = RedisServer.start();
                BenchCache cache = new BenchCache(redis.address())) {
            cluster.executeOnPrimaries(
                    "CREATE TABLE orders (tenant_id bigint NOT NULL, id bigint NOT NULL, amount numeric(12,2), "
                            + "note text, version int NOT NULL DEFAULT 1, PRIMARY KEY (tenant_id, id))",
                    // An autovacuum of the fresh backlog ran inside whichever drain came first and moved that
                    // round's ratio by up to ±0.3: the figure is the pipeline's, so the table is vacuumed by hand
                    // after each write, outside the timed drains.
                    "ALTER TABLE orders SET (autovacuum_enabled = false)");
            int port = freePort();
            Path raw = cluster.writeShardlineYaml(
                    dir.resolve("raw.yaml"), TABLES + """
          cdc:
            name: raw
            tables: [orders]
            snapshot: never
            pollInterval: %dms
            offsets: { file: %s }
          """.formatted(pollMs, dir.resolve("raw.offsets")));
            Path full = cluster.writeShardlineYaml(
                    dir.resolve("full.yaml"),
                    TABLES + """
          cdc:
            name: full
            tables: [orders]
            snapshot: never
            pollInterval: %dms
            http: { port: %d }
            sinks: { duckdb: { path: %s } }
            invalidate:
              orders: { namespace: order, tenant: tenant_id, id: id }
          cache:
            redis: { address: %s }
          """.formatted(pollMs, port, dir.resolve("analytics.duckdb"), redis.address()));
            // Create both slots first, so the one backlog below is in both.
            for (Path y : List.of(raw, full)) {
                try (CdcPipeline p = pipeline(y, null, new StampingSink())) {
                    p.start();
                    awaitReady(p);
                    Thread.sleep(1_500);
                }
            }
            // Warm-up (JIT, DuckDB, Redisson), two full-size rounds: with one fifth-size round the raw drain still sped
            // up 2x over the measured
            // rounds (29k → 60k changes/s) while the full one did not, so early rounds flattered the ratio.
            for (int w = 0; w < WARM_ROUNDS; w++) {
                writeBacklog(cluster, backlog, 10_000_000 * (w + 1));
                drain(raw, null, (long) shards * backlog);
                drain(full, new TimedInvalidator(cache), (long) shards * backlog);
            }
            // Paired drains: each round writes one backlog that both slots hold, drains it raw, then with both
            // sinks; the figure is the median of the rounds' ratios (one drain is a few seconds, and a
            // checkpoint or a JIT burst inside it moved a single-round figure by ±0.3).
            CpuMeter cpu = new CpuMeter(redis.port());
            List<Double> ratios = new ArrayList<>();
            for (int round = 1; round <= DRAIN_ROUNDS; round++) {
                long t0 = System.nanoTime();
                writeBacklog(cluster, backlog, 1_000_000 * round);
                double written = (System.nanoTime() - t0) / 1e9;
                cluster.executeOnPrimaries("VACUUM ANALYZE orders", "CHECKPOINT");
                CpuMeter.Sample[] rw = new CpuMeter.Sample[2];
                CpuMeter.Sample[] fw = new CpuMeter.Sample[2];
                double rawRate;
                double fullRate;
                // The side that drains first alternates: the write's after-effects (WAL flushes, the page cache)
                // land on the first drain of a round.
                if (round % 2 == 1) {
                    rawRate = timedDrain(raw, null, (long) shards * backlog, cpu, rw);
                    fullRate = timedDrain(full, new TimedInvalidator(cache), (long) shards * backlog, cpu, fw);
                } else {
                    fullRate = timedDrain(full, new TimedInvalidator(cache), (long) shards * backlog, cpu, fw);
                    rawRate = timedDrain(raw, null, (long) shards * backlog, cpu, rw);
                }
                ratios.add(fullRate / rawRate);
                System.out.printf(
                        Locale.ROOT,
                        "drain round %d (%d changes written in %.1f s): raw Debezium %.0f changes/s, DuckDB + Redis invalidation %.0f changes/s, ratio %.2f%n",
                        round,
                        (long) shards * backlog,
                        written,
                        rawRate,
                        fullRate,
                        fullRate / rawRate);
                // From the first change seen to the last: engine start-up is outside both the rate and the CPU.
                long timed = (long) shards * backlog;
                System.out.println("  raw drain:  " + CpuMeter.perChange(rw[0], rw[1], timed));
                System.out.print("  raw drain by thread:\n" + CpuMeter.byThread(rw[0], rw[1], timed));
                System.out.println("  full drain: " + CpuMeter.perChange(fw[0], fw[1], timed));
                System.out.print("  full drain by thread:\n" + CpuMeter.byThread(fw[0], fw[1], timed));
            }
            double[] sorted =
                    ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double throughputRatio = (sorted[(sorted.length - 1) / 2] + sorted[sorted.length / 2]) / 2;
            if (System.getenv("CDC_DRAIN_ONLY") != null) {
                // Iterating on the drain: the latency and idle phases take a minute and do not move it.
                Results.print("cdc", "throughput_ratio", round(throughputRatio));
                return;
            }
            TimedInvalidator timed = new TimedInvalidator(cache);
            StampingSink stamp = new StampingSink();
            double[] inv;
            double[] vis;
            try (CdcPipeline p = pipeline(full, timed, stamp)) {
                p.start();
                awaitReady(p);
                // Ready is not yet streaming: one probe change per shard must arrive before timing starts.
                for (int s = 0; s < shards; s++) {
                    try (Connection c = cluster.primary(s).connect();
                            Statement st = c.createStatement()) {
                        st.execute("INSERT INTO orders (tenant_id, id, amount, note) VALUES (" + (s * 100 + 1) + ", "
                                + (99_000_000 + s) + ", 1, 'probe')");
                    }
                }
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (stamp.changes() < shards && System.nanoTime() < deadline) Thread.sleep(5);
                timed.stamping(true);
                stamp.stamping(true);
                StageTimes before = StageTimes.take(p.meterRegistry());
                long[][] commits = latencyWriter(cluster, samples);
                Thread.sleep(2_000);
                inv = latencies(commits, timed::doneAt);
                vis = latencies(commits, stamp::seenAt);
                System.out.print("latency phase, where the time goes (pipeline histograms, both shards):\n"
                        + StageTimes.take(p.meterRegistry()).since(before));
            }
            System.out.printf(
                    Locale.ROOT,
                    "commit -> invalidated: p50 %.1f ms p99 %.1f ms (%d samples); commit -> visible in DuckDB: p50 %.1f ms p99 %.1f ms%n",
                    pct(inv, 50),
                    pct(inv, 99),
                    inv.length,
                    pct(vis, 50),
                    pct(vis, 99));
            double idle = idleCpu(full, port);
            System.out.printf(
                    Locale.ROOT,
                    "sidecar process idle (%d shards, pollInterval %dms, heartbeat 5s): %.1f %% of one core%n",
                    shards,
                    pollMs,
                    idle);
            Results.print("cdc", "invalidate_p99_ms", round(pct(inv, 99)));
            Results.print("cdc", "analytics_visible_p99_ms", round(pct(vis, 99)));
            Results.print("cdc", "throughput_ratio", round(throughputRatio));
            Results.print("cdc", "idle_cpu_pct", round(idle));
            for (Path y : List.of(raw, full)) {
                ShardlineConfig cfg = ShardlineConfig.fromYaml(y);
                CdcPipeline.cleanup(cfg, CdcConfig.fromYaml(cfg));
            }
        }
    }

    private static void awaitReady(CdcPipeline p) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!p.ready()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("pipeline not ready: " + p.status());
            Thread.sleep(20);
        }
    }

    private static CdcPipeline pipeline(Path yaml, TimedInvalidator inv, StampingSink stamp) {
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        CdcPipeline.Builder b =
                CdcPipeline.builder(cfg, CdcConfig.fromYaml(cfg)).observer(stamp);
        if (inv != null) b.invalidator(inv);
        return b.build();
    }

    /** Inserts then updates {@code perShard} rows' worth of changes on each shard, in 1000-row transactions. */
    private static void writeBacklog(PgCluster cluster, int perShard, int idBase) throws Exception {
        for (int s = 0; s < shards; s++) {
            try (Connection c = cluster.primary(s).connect();
                    Statement st = c.createStatement()) {
                int rows = perShard / 2;
                for (int from = 1; from <= rows; from += 1000) {
                    int to = Math.min(rows, from + 999);
                    st.execute("INSERT INTO orders (tenant_id, id, amount, note) SELECT " + (s * 100 + 1) + " + g % 5, "
                            + idBase + " + g, " + "g % 1000, 'b' || g FROM generate_series(" + from + ", " + to
                            + ") g");
                }
                for (int from = 1; from <= rows; from += 1000) {
                    st.execute("UPDATE orders SET amount = amount + 1, version = version + 1 WHERE id BETWEEN "
                            + (idBase + from) + " AND " + (idBase + from + 999));
                }
            }
        }
    }

    /** Drains one backlog; reads the CPU meter into {@code end} before the pipeline's threads end. */
    private static double timedDrain(
            Path yaml, TimedInvalidator inv, long expected, CpuMeter cpu, CpuMeter.Sample[] window) throws Exception {
        StampingSink stamp = new StampingSink();
        try (CdcPipeline p = pipeline(yaml, inv, stamp)) {
            return drainRunning(p, stamp, expected, cpu, window);
        }
    }

    private static double drain(Path yaml, TimedInvalidator inv, long expected) throws Exception {
        return timedDrain(yaml, inv, expected, null, null);
    }

    /**
     * Starts {@code p} and returns changes/s from the first change seen to the last of the backlog;
     * with a meter, {@code window} gets its readings at those two moments.
     */
    private static double drainRunning(
            CdcPipeline p, StampingSink stamp, long expected, CpuMeter cpu, CpuMeter.Sample[] window) throws Exception {
        p.start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (stamp.changes() == 0 && System.nanoTime() < deadline) Thread.sleep(1);
        long first = System.nanoTime();
        long seenFirst = stamp.changes();
        if (cpu != null) window[0] = cpu.take();
        while (stamp.changes() < expected && System.nanoTime() < deadline) Thread.sleep(2);
        long end = System.nanoTime();
        if (cpu != null) window[1] = cpu.take();
        if (stamp.changes() < expected)
            throw new IllegalStateException("drain incomplete: " + stamp.changes() + " of " + expected);
        return (expected - seenFirst) / ((end - first) / 1e9);
    }

    /** Commits one insert every ~20 ms alternating shards; returns {shard-tenant, id, commitNanos} per sample. */
    private static long[][] latencyWriter(PgCluster cluster, int samples) throws Exception {
        long[][] out = new long[samples][];
        List<Connection> conns = new ArrayList<>();
        try {
            for (int s = 0; s < shards; s++) conns.add(cluster.primary(s).connect());
            for (int i = 0; i < samples; i++) {
                int s = i % shards;
                long tenant = s * 100 + 1;
                long id = 100_000_000L + i;
                try (Statement st = conns.get(s).createStatement()) {
                    st.execute("INSERT INTO orders (tenant_id, id, amount, note) VALUES (" + tenant + ", " + id
                            + ", 1, 'lat')");
                }
                out[i] = new long[] {tenant, id, System.nanoTime()};
                Thread.sleep(20);
            }
        } finally {
            for (Connection c : conns) c.close();
        }
        return out;
    }

    private static double[] latencies(long[][] commits, java.util.function.Function<String, Long> at) {
        List<Double> ms = new ArrayList<>();
        int lost = 0;
        for (long[] c : commits) {
            Long t = at.apply(c[0] + ":" + c[1]);
            if (t == null) {
                lost++;
                continue;
            }
            ms.add(Math.max(0, (t - c[2]) / 1e6));
        }
        if (lost > 0) throw new IllegalStateException(lost + " samples never arrived");
        return ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** Runs the sidecar as its own process, waits for readiness, and returns its CPU use over 10 s of idleness. */
    private static double idleCpu(Path yaml, int port) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // CDC_BENCH_JFR=file records a JFR profile of the idle sidecar (where the idle CPU goes).
        String jfr = System.getenv("CDC_BENCH_JFR");
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx384m",
                        jfr == null
                                ? "-Dshardline.bench=cdc"
                                : "-XX:StartFlightRecording=settings=profile,filename=" + jfr,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.shardline.cdc.cli.Main",
                        "cdc",
                        "--config",
                        yaml.toString())
                .redirectErrorStream(true)
                .redirectOutput(yaml.resolveSibling("sidecar.log").toFile())
                .start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                try {
                    if (http.send(
                                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode()
                            == 200) break;
                } catch (java.io.IOException e) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
            Thread.sleep(30_000); // JIT and start-up work settle: the figure is the steady idle cost
            long ticks0 = cpuTicks(p.pid());
            java.util.Map<String, Long> threads0 = threadTicks(p.pid());
            long t0 = System.nanoTime();
            Thread.sleep(10_000);
            long ticks1 = cpuTicks(p.pid());
            double seconds = (System.nanoTime() - t0) / 1e9;
            java.util.Map<String, Long> threads1 = threadTicks(p.pid());
            // Where idle CPU goes, by thread (OS thread names, 15 characters): the polling loops or the rest.
            java.util.Map<String, Long> byName = new java.util.TreeMap<>();
            threads1.forEach((k, v) ->
                    byName.merge(k.substring(k.indexOf(' ') + 1), v - threads0.getOrDefault(k, 0L), Long::sum));
            StringBuilder top = new StringBuilder();
            byName.entrySet().stream()
                    .filter(e -> e.getValue() > 0)
                    .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                    .limit(12)
                    .forEach(e -> top.append(
                            String.format(Locale.ROOT, "  %-16s %.1f %%%n", e.getKey(), e.getValue() / seconds)));
            System.out.print("idle CPU by thread (% of one core):\n" + top);
            return (ticks1 - ticks0) / 100.0 / seconds * 100.0;
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    /** Returns utime + stime per live thread, keyed "tid name". */
    private static java.util.Map<String, Long> threadTicks(long pid) throws Exception {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "N");
                    out.put(t.getFileName() + " " + name, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (java.io.IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }

    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime, in clock ticks (100 Hz)
    }

    private static double pct(double[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String describe(double[] a) {
        return Arrays.toString(a);
    }
}
