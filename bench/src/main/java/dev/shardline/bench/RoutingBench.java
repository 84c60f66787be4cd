package dev.shardline.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.routing.RoutePlan;
import dev.shardline.routing.RowLevelSecurity;
import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.testkit.PgCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * Routing overhead: single-tenant point reads and writes through Shardline versus a plain HikariCP
 * pool on the same PostgreSQL, in the same JVM, alternating rounds so drift hits both alike.
 * Each operation is what an application does per request: borrow a connection, prepare, bind,
 * execute, read, close. Figures: throughput ratios (Shardline / direct) and DataSource build time.
 *
 * <p>Arguments: {@code [seconds per round, default 4] [rounds, default 3]}.
 */
public final class RoutingBench {
    private static final int TENANTS = 100;
    private static final int ROWS_PER_TENANT = 100;

    private RoutingBench() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (PgCluster pg = PgCluster.start(1, 0)) {
            Path yaml = pg.writeShardlineYaml(
                    Files.createTempDirectory("bench-routing").resolve("shardline.yaml"), """
          tables:
            sharded:
              orders: tenant_id
              order_items: tenant_id
              customers: tenant_id
          """);
            yaml = Files.writeString(
                    yaml, Files.readString(yaml).replace("maxSize: 8, minIdle: 1", "maxSize: 8, minIdle: 8"));
            long t0 = System.nanoTime();
            ShardlineDataSource shardline = ShardlineDataSource.fromYaml(yaml);
            long buildMs = (System.nanoTime() - t0) / 1_000_000;
            try (shardline;
                    HikariDataSource direct = direct(pg.primary(0).jdbcUrl())) {
                load(direct);
                double readRatio1 = compare("point_read 1t", direct, shardline, 1, seconds, rounds, RoutingBench::read);
                double readRatio8 = compare("point_read 8t", direct, shardline, 8, seconds, rounds, RoutingBench::read);
                double writeRatio1 =
                        compare("point_write 1t", direct, shardline, 1, seconds, rounds, RoutingBench::write);
                double analysisUs = analysisMicros(shardline, false);
                double sharedUs = analysisMicros(shardline, true);
                double rlsRatio1 = rlsRatio(pg, yaml, direct, seconds, rounds);
                Results.print("routing", "point_read.ratio_1t", readRatio1);
                Results.print("routing", "point_read.ratio_8t", readRatio8);
                Results.print("routing", "point_write.ratio_1t", writeRatio1);
                Results.print("routing", "point_read.ratio_rls_1t", rlsRatio1);
                Results.print("routing", "analysis_us", analysisUs);
                Results.print("routing", "analysis_shared_shape_us", sharedUs);
                Results.print("routing", "datasource_build_ms", buildMs);
            }
        }
        // Two shards: routing.bulk_insert.ratio and routing.orm_point_read.ratio.
        DropInBench.run(rounds);
    }

    /**
     * Median microseconds of the first analysis of a 3-table join with two subqueries. With
     * {@code shared} false each text is a new shape (a distinct column alias), so it pays the lexer,
     * one plan probe round trip and the isolation check; with {@code shared} true the texts differ
     * only in a spliced value, so after the first they pay the lexer and the shape lookup only.
     */
    static double analysisMicros(ShardlineDataSource ds, boolean shared) {
        int n = 300;
        double[] us = new double[n];
        for (int i = 0; i < n; i++) {
            String sql = "SELECT o.id" + (shared ? "" : " AS id_" + i) + ", c.name, i.sku FROM orders o "
                    + "JOIN order_items i ON i.tenant_id = o.tenant_id AND i.order_id = o.id "
                    + "JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.id "
                    + "WHERE o.tenant_id = ? AND o.amount > (SELECT avg(amount) FROM orders x WHERE x.tenant_id = o.tenant_id) "
                    + "AND i.sku IN (SELECT sku FROM order_items y WHERE y.tenant_id = ? AND y.order_id < "
                    + (1000 + i) + ")";
            long t0 = System.nanoTime();
            RoutePlan p = ds.explain(sql, "tenant-1");
            us[i] = (System.nanoTime() - t0) / 1e3;
            if (!p.kind().startsWith("read"))
                throw new IllegalStateException("analysis refused the benchmark statement: " + p.reason());
        }
        Arrays.sort(us);
        System.out.printf(
                "analysis (%s): p50 %.0f µs, p90 %.0f µs, max %.0f µs over %d distinct statements%n",
                shared ? "spliced values, one shape" : "distinct shapes", us[n / 2], us[n * 9 / 10], us[n - 1], n);
        return Math.round(us[n / 2]);
    }

    /** Point reads with routing.isolation: rls as an ordinary role versus the direct pool (policies installed on the shard). */
    static double rlsRatio(PgCluster pg, Path yaml, DataSource direct, int seconds, int rounds) throws Exception {
        pg.primary(0)
                .execute(
                        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_app') THEN "
                                + "CREATE ROLE bench_app LOGIN; END IF; END $$",
                        "GRANT ALL ON ALL TABLES IN SCHEMA public TO bench_app");
        try (Connection c = pg.primary(0).connect()) {
            RowLevelSecurity.install(c, ShardlineConfig.fromYaml(yaml).tables());
        }
        Path rls = Files.writeString(
                yaml.resolveSibling("shardline-rls.yaml"),
                Files.readString(yaml).replace("username: postgres", "username: bench_app")
                        + "routing:\n  isolation: rls\n");
        try (ShardlineDataSource ds = ShardlineDataSource.fromYaml(rls)) {
            return compare("point_read rls 1t", direct, ds, 1, seconds, rounds, RoutingBench::read);
        }
    }

    private static HikariDataSource direct(String url) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setUsername("postgres");
        c.setMaximumPoolSize(8);
        c.setMinimumIdle(8);
        c.setPoolName("direct");
        return new HikariDataSource(c);
    }

    private static void load(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE orders (tenant_id text NOT NULL, id bigint NOT NULL, amount int NOT NULL, PRIMARY KEY (tenant_id, id))");
            s.execute("INSERT INTO orders SELECT 'tenant-' || t, i, i FROM generate_series(1, " + TENANTS
                    + ") t, generate_series(1, " + ROWS_PER_TENANT + ") i");
            s.execute("ANALYZE orders");
            s.execute(
                    "CREATE TABLE order_items (tenant_id text NOT NULL, order_id bigint NOT NULL, sku text NOT NULL, PRIMARY KEY (tenant_id, order_id, sku))");
            s.execute(
                    "CREATE TABLE customers (tenant_id text NOT NULL, id bigint NOT NULL, name text, PRIMARY KEY (tenant_id, id))");
        }
    }

    @FunctionalInterface
    interface Op {
        void run(DataSource ds, SplittableRandom rnd) throws SQLException;
    }

    public static void read(DataSource ds, SplittableRandom rnd) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT amount FROM orders WHERE tenant_id = ? AND id = ?")) {
            ps.setString(1, "tenant-" + (1 + rnd.nextInt(TENANTS)));
            ps.setLong(2, 1 + rnd.nextInt(ROWS_PER_TENANT));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) throw new IllegalStateException("row missing");
            }
        }
    }

    public static void write(DataSource ds, SplittableRandom rnd) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("UPDATE orders SET amount = amount + 1 WHERE tenant_id = ? AND id = ?")) {
            ps.setString(1, "tenant-" + (1 + rnd.nextInt(TENANTS)));
            ps.setLong(2, 1 + rnd.nextInt(ROWS_PER_TENANT));
            if (ps.executeUpdate() != 1) throw new IllegalStateException("row missing");
        }
    }

    /** Returns the median over rounds of (Shardline ops/s ÷ direct ops/s), after one warm-up round each. */
    static double compare(
            String name, DataSource direct, DataSource shardline, int threads, int seconds, int rounds, Op op)
            throws Exception {
        measure(direct, threads, 2, op);
        measure(shardline, threads, 2, op);
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double d = measure(direct, threads, seconds, op);
            double s = measure(shardline, threads, seconds, op);
            ratios.add(s / d);
            System.out.printf(
                    "%-16s round %d: direct %,.0f ops/s (%.1f µs/op), shardline %,.0f ops/s (%.1f µs/op), ratio %.3f%n",
                    name, r + 1, d, threads * 1e6 / d, s, threads * 1e6 / s, s / d);
        }
        double[] sorted =
                ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    /** Runs {@code op} on {@code threads} threads for {@code seconds}; returns operations per second. */
    static double measure(DataSource ds, int threads, int seconds, Op op) throws Exception {
        LongAdder count = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(threads);
        List<Throwable> errors = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            SplittableRandom rnd = new SplittableRandom(t);
            Thread w = new Thread(() -> {
                started.countDown();
                try {
                    while (!stop.get()) {
                        op.run(ds, rnd);
                        count.increment();
                    }
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            });
            workers.add(w);
            w.start();
        }
        started.await();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        long elapsed = System.nanoTime() - t0;
        for (Thread w : workers) w.join();
        if (!errors.isEmpty()) throw new IllegalStateException("benchmark operation failed", errors.get(0));
        return count.sum() * 1e9 / elapsed;
    }

    static String describe(double[] v) {
        return Arrays.toString(v);
    }
}
