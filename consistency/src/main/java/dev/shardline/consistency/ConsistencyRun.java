package dev.shardline.consistency;

import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import dev.shardline.testkit.RedisServer;
import dev.shardline.testkit.TcpProxy;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RedissonClient;

/**
 * A consistency run: PostgreSQL (two shards, each a primary and a replica; shard-1 reached through
 * a {@link TcpProxy}), Redis, the CDC sidecar as its own process, {@code instances} application
 * instances in their own JVMs, and a fault schedule scaled to the run's length: FLUSHALL, eviction
 * of every version key, Redis kill and restart, shard-0's replica delayed with
 * {@code recovery_min_apply_delay} and then killed (reads move to the primary), the sidecar
 * SIGKILLed while Redis is down, and +200 ms on every request to shard-1. Then quiescence and
 * the {@link Checker}.
 */
public final class ConsistencyRun {
    private static final int TENANTS = 8;
    private static final int IDS = 25;
    private static final Duration SLOW_SHARD = Duration.ofMillis(200);

    private final Path dir;
    private final Duration length;
    private final int instances;
    private final List<String> log = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile long sidecarDownSince;
    /** Intervals {start, end} in which invalidations could not reach the cache (Redis or the sidecar down). */
    private final List<long[]> outages = new ArrayList<>();

    public ConsistencyRun(Path dir, Duration length, int instances) {
        this.dir = dir;
        this.length = length;
        this.instances = instances;
    }

    /** Runs {@code java ... ConsistencyRun <seconds> [dir]} and prints the result. */
    public static void main(String[] args) throws Exception {
        Duration d = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 600);
        Path dir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("consistency-");
        Checker.Result r = new ConsistencyRun(dir, d, 3).run();
        System.out.println(r.print());
        System.exit(r.staleReads() == 0 && r.staleEntries() == 0 && r.readYourWritesViolations() == 0 ? 0 : 1);
    }

    public List<String> events() {
        return log;
    }

    /** Returns the last line each application instance printed (its cache counters), for the report. */
    public List<String> instanceSummaries() throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            Path f = dir.resolve("app-" + i + ".log");
            if (Files.exists(f))
                Files.readAllLines(f).stream()
                        .filter(l -> l.startsWith("instance ") && !l.equals(AppInstance.READY))
                        .forEach(out::add);
        }
        return out;
    }

    public Checker.Result run() throws Exception {
        Files.createDirectories(dir);
        // A previous run's logs, histories and sidecar offsets (positions of another cluster) must not leak into this
        // one.
        try (var old = Files.list(dir)) {
            for (Path f : old.filter(Files::isRegularFile).toList()) Files.delete(f);
        }
        try (PgCluster pg = PgCluster.start(2, 1);
                RedisServer redis = RedisServer.start();
                TcpProxy slowPrimary = TcpProxy.start(pg.primary(1).port());
                TcpProxy slowReplica = TcpProxy.start(pg.replicas(1).get(0).port())) {
            PgNode replica = pg.replicas(0).get(0);
            pg.executeOnPrimaries(
                    "CREATE TABLE kv (tenant_id bigint NOT NULL, id bigint NOT NULL, val bigint NOT NULL, PRIMARY KEY (tenant_id, id))",
                    "ALTER TABLE kv REPLICA IDENTITY FULL",
                    "CREATE TABLE kv_clock (tenant_id bigint NOT NULL, id bigint NOT NULL, seq bigint NOT NULL, PRIMARY KEY (tenant_id, id))");
            int httpPort = freePort();
            Path yaml = pg.writeShardlineYaml(dir.resolve("shardline.yaml"), """
          tables:
            sharded: { kv: tenant_id, kv_clock: tenant_id }
          cdc:
            name: cons
            tables: [kv]
            snapshot: never
            pollInterval: 10ms
            heartbeat: 1s
            http: { port: %d }
            offsets: { file: %s }
            invalidate:
              kv: { namespace: kv, tenant: tenant_id, id: id }
          cache:
            prefix: cons
            redis: { address: "%s", timeout: 300ms }
          """.formatted(
                            httpPort, dir.resolve("offsets.dat"), redis.address()));
            // Everything that talks to shard-1 (instances, sidecar, checker) goes through the proxies.
            Files.writeString(
                    yaml,
                    Files.readString(yaml)
                            .replace(":" + pg.primary(1).port() + "/", ":" + slowPrimary.port() + "/")
                            .replace(":" + pg.replicas(1).get(0).port() + "/", ":" + slowReplica.port() + "/"));
            Map<String, PgNode> primaries = new HashMap<>();
            Map<String, String> shardOfTenant = new HashMap<>();
            try (ShardlineDataSource ds = ShardlineDataSource.fromYaml(yaml)) {
                for (int i = 0; i < pg.primaries().size(); i++)
                    primaries.put(ds.config().shards().get(i).name(), pg.primary(i));
                for (int t = 1; t <= TENANTS; t++) {
                    String shard = ds.readPosition((long) t).shard();
                    shardOfTenant.put(String.valueOf(t), shard);
                    primaries
                            .get(shard)
                            .execute(
                                    "INSERT INTO kv SELECT " + t + ", i, 0 FROM generate_series(1, " + IDS + ") i",
                                    "INSERT INTO kv_clock SELECT " + t + ", i, 0 FROM generate_series(1, " + IDS
                                            + ") i");
                }
            }
            if (new HashSet<>(shardOfTenant.values()).size() < 2) {
                throw new IllegalStateException(
                        "every tenant maps to one shard " + shardOfTenant + "; the run needs both");
            }
            log.add("tenants by shard " + new TreeMap<>(shardOfTenant));
            pg.awaitReplication(Duration.ofSeconds(30));
            Process sidecar = startSidecar(yaml, httpPort);
            long runMs = length.toMillis();
            List<Process> apps = new ArrayList<>();
            List<Path> histories = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                Path h = dir.resolve("history-" + i + ".log");
                histories.add(h);
                apps.add(java(
                        List.of(
                                AppInstance.class.getName(),
                                yaml.toString(),
                                redis.address(),
                                "app" + i,
                                String.valueOf(TENANTS),
                                String.valueOf(IDS),
                                String.valueOf(runMs),
                                h.toString()),
                        dir.resolve("app-" + i + ".log").toFile()));
            }
            awaitReady(apps);
            LagSampler sampler =
                    new LagSampler(httpPort, List.of(replica, pg.replicas(1).get(0)), () -> sidecarDownSince != 0);
            try {
                RedissonClient admin = AppInstance.client(redis.address());
                long t0 = System.currentTimeMillis();
                sidecar = faults(t0, runMs, admin, redis, replica, slowPrimary, slowReplica, sidecar, yaml, httpPort);
                for (Process p : apps) {
                    if (!p.waitFor(runMs + 120_000, TimeUnit.MILLISECONDS)) p.destroyForcibly();
                }
                // Quiescence: writers stopped; wait for the sidecar to apply everything, then compare.
                List<String> examples = new ArrayList<>();
                int[] entries;
                long quietDeadline = System.currentTimeMillis() + 30_000;
                Map<String, Connection> connections = new HashMap<>();
                try {
                    for (Map.Entry<String, PgNode> e : primaries.entrySet())
                        connections.put(e.getKey(), e.getValue().connect());
                    do {
                        examples.clear();
                        Thread.sleep(500);
                        entries = Checker.staleEntries(
                                admin, tenant -> connections.get(shardOfTenant.get(tenant)), "cons", examples);
                    } while (entries[0] > 0 && System.currentTimeMillis() < quietDeadline);
                } finally {
                    for (Connection c : connections.values()) c.close();
                }
                for (int i = 0; i < instances; i++) {
                    if (!Files.exists(histories.get(i)) || Files.size(histories.get(i)) == 0) {
                        throw new IllegalStateException(
                                "instance app" + i + " recorded nothing; see " + dir.resolve("app-" + i + ".log"));
                    }
                }
                sidecar.destroy();
                sidecar.waitFor(30, TimeUnit.SECONDS);
                admin.shutdown();
                // B per read: the lag sampled around it, plus the outage it falls in (StalenessBound).
                List<long[]> samples = sampler.samples();
                StalenessBound bound = StalenessBound.measured(samples, outages);
                // Kept next to the histories, to see where a read's bound came from: S|time|lag, O|start|end.
                List<String> lines = new ArrayList<>();
                samples.forEach(x -> lines.add("S|" + x[0] + "|" + x[1]));
                outages.forEach(x -> lines.add("O|" + x[0] + "|" + x[1]));
                Files.write(dir.resolve("bound-samples.log"), lines);
                List<Path> all = new ArrayList<>(histories);
                all.add(sidecarHistory());
                return Checker.check(HistoryLog.readAll(all), bound, entries).withExamples(examples);
            } finally {
                sampler.close();
            }
        }
    }

    private Process faults(
            long t0,
            long runMs,
            RedissonClient admin,
            RedisServer redis,
            PgNode replica,
            TcpProxy slowPrimary,
            TcpProxy slowReplica,
            Process sidecar,
            Path yaml,
            int httpPort)
            throws Exception {
        at(t0, runMs * 6 / 100, "FLUSHALL", () -> admin.getKeys().flushall());
        at(
                t0,
                runMs * 10 / 100,
                "every version key evicted",
                () -> log.add("  evicted " + admin.getKeys().deleteByPattern("cons:*:v")));
        long[] redisDown = new long[1];
        at(t0, runMs * 14 / 100, "redis kill", () -> {
            redisDown[0] = System.currentTimeMillis();
            redis.kill();
        });
        at(t0, runMs * 19 / 100, "redis restart", () -> {
            redis.restart();
            outages.add(new long[] {redisDown[0], System.currentTimeMillis()});
        });
        at(
                t0,
                runMs * 24 / 100,
                "shard-0 replica apply delay 2s",
                () -> replica.execute("ALTER SYSTEM SET recovery_min_apply_delay = '2s'", "SELECT pg_reload_conf()"));
        at(
                t0,
                runMs * 30 / 100,
                "every version key evicted",
                () -> log.add("  evicted " + admin.getKeys().deleteByPattern("cons:*:v")));
        at(t0, runMs * 36 / 100, "delayed shard-0 replica killed", replica::kill);
        at(t0, runMs * 40 / 100, "redis kill", () -> {
            redisDown[0] = System.currentTimeMillis();
            redis.kill();
        });
        Process dead = sidecar;
        at(t0, runMs * 42 / 100, "sidecar SIGKILL while Redis is down", () -> {
            sidecarDownSince = System.currentTimeMillis();
            dead.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        });
        at(t0, runMs * 46 / 100, "redis restart", () -> {
            redis.restart();
            outages.add(new long[] {redisDown[0], System.currentTimeMillis()});
        });
        Process[] next = new Process[1];
        at(t0, runMs * 48 / 100, "sidecar restart", () -> next[0] = startSidecar(yaml, httpPort));
        outages.add(new long[] {sidecarDownSince, System.currentTimeMillis()});
        sidecarDownSince = 0;
        at(t0, runMs * 54 / 100, "shard-1 +" + SLOW_SHARD.toMillis() + " ms", () -> {
            slowPrimary.delay(SLOW_SHARD);
            slowReplica.delay(SLOW_SHARD);
        });
        at(t0, runMs * 66 / 100, "FLUSHALL", () -> admin.getKeys().flushall());
        at(
                t0,
                runMs * 72 / 100,
                "every version key evicted",
                () -> log.add("  evicted " + admin.getKeys().deleteByPattern("cons:*:v")));
        at(t0, runMs * 80 / 100, "shard-1 delay removed", () -> {
            slowPrimary.delay(Duration.ZERO);
            slowReplica.delay(Duration.ZERO);
        });
        return next[0];
    }

    private interface Step {
        void run() throws Exception;
    }

    private void at(long t0, long offsetMs, String what, Step step) throws Exception {
        long wait = t0 + offsetMs - System.currentTimeMillis();
        if (wait > 0) Thread.sleep(wait);
        step.run();
        log.add(String.format("%6d ms %s", System.currentTimeMillis() - t0, what));
    }

    private void awaitReady(List<Process> apps) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        for (int i = 0; i < apps.size(); i++) {
            Path f = dir.resolve("app-" + i + ".log");
            while (!Files.exists(f) || Files.readAllLines(f).stream().noneMatch(AppInstance.READY::equals)) {
                if (!apps.get(i).isAlive()) throw new IllegalStateException("instance app" + i + " exited; see " + f);
                if (System.currentTimeMillis() > deadline)
                    throw new IllegalStateException("instance app" + i + " not ready in 120 s; see " + f);
                Thread.sleep(200);
            }
        }
    }

    /** The sidecar's applied invalidations, in the history format (appended to across its restarts). */
    private Path sidecarHistory() {
        return dir.resolve("history-sidecar.log");
    }

    private Process startSidecar(Path yaml, int httpPort) throws Exception {
        Process p = java(
                List.of(
                        "dev.shardline.cdc.cli.Main",
                        "cdc",
                        "--config",
                        yaml.toString(),
                        "--invalidation-log",
                        sidecarHistory().toString()),
                dir.resolve("sidecar.log").toFile());
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) throw new IllegalStateException("the sidecar exited; see " + dir.resolve("sidecar.log"));
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready"))
                                .timeout(Duration.ofSeconds(1))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return p;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the sidecar was not ready within 60 s; see " + dir.resolve("sidecar.log"));
    }

    private static Process java(List<String> args, File logFile) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-Dconsistency.positions=" + System.getProperty("consistency.positions", "true"),
                "-cp",
                System.getProperty("java.class.path")));
        cmd.addAll(args);
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile))
                .start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
