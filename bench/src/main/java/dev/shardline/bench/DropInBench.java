package dev.shardline.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.routing.Tenants;
import dev.shardline.testkit.PgCluster;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import javax.sql.DataSource;
import org.hibernate.SessionFactory;
import org.hibernate.annotations.TenantId;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;
import org.hibernate.context.spi.CurrentTenantIdentifierResolver;

/**
 * Drop-in figures on two shards: a 100k-row auto-commit batch over 100 tenants through Shardline
 * (split per shard, shards written in parallel) versus the same rows into one PostgreSQL directly,
 * and Hibernate {@code find} by id through Shardline versus the same entity on one PostgreSQL. Both
 * sides use pgJDBC with {@code reWriteBatchedInserts=true}; the direct side is a separate database on
 * the first server. The find also runs a third way, plain HikariCP to the two shard servers with each
 * find sent by hand to its tenant's server: Shardline against it is the router's own cost, and it
 * against one PostgreSQL is what two co-located servers cost before any routing.
 */
final class DropInBench {
    private static final int BULK_ROWS = 100_000;
    private static final int BULK_CHUNK = 10_000;
    private static final int TENANTS = 100;
    // On two cores the C2 compiler competes with the timed inserts for a dozen rounds or more; timed
    // rounds start after it has settled.
    private static final int BULK_WARMUP = 15;
    private static final int ORM_ROWS_PER_TENANT = 100;
    // Hibernate's find path needs ~10 s of calls before C2 has compiled it on both sides.
    private static final int ORM_WARM_SECONDS = 15;
    private static final int ORM_ROUNDS = 80;
    private static final int ORM_SLICE_MILLIS = 300;

    /** The entity read by id; the tenant column is Hibernate's own {@code @TenantId}. */
    @Entity(name = "BenchAccount")
    @Table(name = "bench_accounts")
    public static class BenchAccount {
        @Id
        Long id;

        @TenantId
        @Column(name = "tenant_id")
        String tenantId;

        long balance;
    }

    /** Hibernate's tenant is Shardline's context tenant. */
    public static class ContextTenant implements CurrentTenantIdentifierResolver<String> {
        @Override
        public String resolveCurrentTenantIdentifier() {
            Object t = Tenants.current();
            return t == null ? "none" : t.toString();
        }

        @Override
        public boolean validateExistingCurrentSessions() {
            return false;
        }
    }

    private DropInBench() {}

    /** {@code scripts/bench dropIn [rounds]}: only the two-shard figures of {@code scripts/bench routing}. */
    public static void main(String[] args) throws Exception {
        run(args.length > 0 ? Integer.parseInt(args[0]) : 5);
    }

    /** Runs both comparisons and prints their RESULT lines. */
    static void run(int rounds) throws Exception {
        try (PgCluster pg = PgCluster.start(2, 0)) {
            String ddl =
                    "CREATE TABLE bulk (tenant_id text NOT NULL, id bigint NOT NULL, payload text NOT NULL, PRIMARY KEY (tenant_id, id));"
                            + "CREATE TABLE bench_accounts (tenant_id text NOT NULL, id bigint NOT NULL, balance bigint NOT NULL, PRIMARY KEY (tenant_id, id))";
            pg.executeOnPrimaries("CREATE DATABASE direct_db");
            pg.executeOnPrimaries(ddl.split(";"));
            String base = pg.primary(0).jdbcUrl();
            String directUrl = base.substring(0, base.lastIndexOf('/') + 1) + "direct_db?reWriteBatchedInserts=true";
            Path yaml = pg.writeShardlineYaml(
                    Files.createTempDirectory("bench-dropin").resolve("shardline.yaml"), """
          tables:
            sharded:
              bulk: tenant_id
              bench_accounts: tenant_id
          routing:
            trustedFunctions: [information_schema._pg_numeric_precision, information_schema._pg_numeric_precision_radix, information_schema._pg_numeric_scale]
          """);
            String y = Files.readString(yaml)
                    .replace("maxSize: 8, minIdle: 1", "maxSize: 8, minIdle: 8")
                    .replaceAll("(primary: jdbc:postgresql://\\S+)", "$1?reWriteBatchedInserts=true");
            Files.writeString(yaml, y);
            try (ShardlineDataSource shardline = ShardlineDataSource.fromYaml(yaml);
                    HikariDataSource direct = hikari(directUrl)) {
                try (Connection c = direct.getConnection();
                        Statement s = c.createStatement()) {
                    for (String d : ddl.split(";")) s.execute(d);
                }
                // DROPIN_ORM_ONLY=1 skips the bulk figure (profiling the find path).
                if (System.getenv("DROPIN_ORM_ONLY") == null)
                    Results.print("routing", "bulk_insert.ratio", bulk(direct, shardline, pg, rounds));
                loadAccounts(direct);
                loadAccounts(shardline);
                // The bulk rounds leave millions of dead rows and dirty pages behind; flush them and let
                // autovacuum's work happen now, not during the timed point reads (it hit both sides unevenly).
                pg.executeOnPrimaries("VACUUM ANALYZE bulk", "VACUUM ANALYZE bench_accounts", "CHECKPOINT");
                try (Connection c = direct.getConnection();
                        Statement s = c.createStatement()) {
                    s.execute("VACUUM ANALYZE bulk");
                    s.execute("VACUUM ANALYZE bench_accounts");
                    s.execute("CHECKPOINT");
                }
                System.gc();
                // A third side for the decomposition: plain HikariCP to the two shard servers themselves, each
                // find sent by hand to the server holding its tenant (where Shardline put the rows).
                Map<String, Integer> shardOf = tenantShards(pg);
                try (HikariDataSource byHand0 = hikari(pg.primary(0).jdbcUrl());
                        HikariDataSource byHand1 = hikari(pg.primary(1).jdbcUrl());
                        SessionFactory sfDirect = sessions(direct);
                        SessionFactory sfShardline = sessions(shardline);
                        SessionFactory sfHand0 = sessions(byHand0);
                        SessionFactory sfHand1 = sessions(byHand1)) {
                    List<Side> sides = List.of(
                            new Side("one PostgreSQL", rnd -> find(tenant -> sfDirect, rnd)),
                            new Side(
                                    "the two shard servers, routed by hand",
                                    rnd -> find(tenant -> shardOf.get(tenant) == 0 ? sfHand0 : sfHand1, rnd)),
                            new Side("Shardline", rnd -> find(tenant -> sfShardline, rnd)));
                    String only = System.getenv("DROPIN_PROFILE_SIDE");
                    if (only != null) {
                        // For a profiler: one side alone, 30 s after the usual warm-up.
                        Side side = sides.stream()
                                .filter(x -> x.name().equals(only))
                                .findFirst()
                                .orElseThrow();
                        SplittableRandom rnd = new SplittableRandom(3);
                        for (int w = 0; w < ORM_WARM_SECONDS; w++) slice(side, 1000, rnd);
                        System.out.println("PROFILE START");
                        slice(side, 30_000, rnd);
                        return;
                    }
                    double[] medians = interleaved(sides, ORM_WARM_SECONDS, ORM_ROUNDS, ORM_SLICE_MILLIS);
                    Results.print("routing", "orm_point_read.ratio", medians[0]);
                    // Shardline against a router that costs nothing (the same finds sent by hand to the same two
                    // servers), and that router against one PostgreSQL: the second is what co-locating two
                    // shard servers on this machine's two cores costs, before any routing.
                    Results.print("routing", "orm_point_read.same_servers_ratio", medians[1]);
                    Results.print("routing", "orm_point_read.hand_routed_ratio", medians[2]);
                    clientCpu(sides);
                }
            }
        }
    }

    /**
     * Prints this thread's CPU per find for each side (20,000 finds each): the client's own cost,
     * which the wall-clock ratios mix with the servers' and the scheduler's.
     */
    private static void clientCpu(List<Side> sides) throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        SplittableRandom rnd = new SplittableRandom(7);
        StringBuilder line = new StringBuilder();
        for (Side side : sides) {
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < 20_000; i++) side.op().run(rnd);
            long c1 = mx.getCurrentThreadCpuTime();
            line.append(String.format(Locale.ROOT, "%s %.1f µs  ", side.name(), (c1 - c0) / 1e3 / 20_000));
        }
        System.out.println("orm_point_read   client CPU per find (this thread): " + line);
    }

    /** One way of running the find, timed in slices. */
    private record Side(String name, ThrowingOp op) {}

    private interface ThrowingOp {
        void run(SplittableRandom rnd) throws Exception;
    }

    /**
     * Shardline's single-thread find rate over each baseline's, as the median over {@code rounds} of
     * per-round ratios; each round runs one {@code sliceMillis} slice of every side back to back, the
     * order rotating. On this shared 2-core VM the machine's speed drifts by up to 2x over seconds
     * (4 s rounds saw 57 to 213 µs per find on the same side); slices a few hundred milliseconds apart
     * see the same machine, so the drift cancels within a round instead of landing on one side.
     * Returns {Shardline ÷ first side, Shardline ÷ second side, second side ÷ first side}; the last
     * side must be Shardline.
     */
    private static double[] interleaved(List<Side> sides, int warmSeconds, int rounds, int sliceMillis)
            throws Exception {
        SplittableRandom rnd = new SplittableRandom(42);
        int n = sides.size();
        for (int w = 0; w < warmSeconds; w++) for (Side side : sides) slice(side, 1000 / n, rnd);
        double[][] rate = new double[n][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < n; k++) {
                int i = (k + r) % n;
                rate[i][r] = slice(sides.get(i), sliceMillis, rnd);
            }
        }
        double[] out = new double[n];
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < n; i++) {
            double meanUs = 0;
            for (int r = 0; r < rounds; r++) meanUs += 1e6 / rate[i][r] / rounds;
            line.append(String.format(Locale.ROOT, "%s %.1f µs", sides.get(i).name(), meanUs));
            line.append(i < n - 1 ? ", " : "");
        }
        System.out.printf("orm_point_read   %d rounds of %d ms slices, mean per find: %s%n", rounds, sliceMillis, line);
        for (int i = 0; i < n - 1; i++) {
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) ratios[r] = rate[n - 1][r] / rate[i][r];
            out[i] = quantiles("Shardline vs " + sides.get(i).name(), ratios);
        }
        double[] baselines = new double[rounds];
        for (int r = 0; r < rounds; r++) baselines[r] = rate[1][r] / rate[0][r];
        out[n - 1] = quantiles(sides.get(1).name() + " vs " + sides.get(0).name(), baselines);
        return out;
    }

    /** Prints the spread of per-round ratios and returns their median. */
    private static double quantiles(String what, double[] ratios) {
        int rounds = ratios.length;
        Arrays.sort(ratios);
        System.out.printf(
                Locale.ROOT,
                "orm_point_read   %s: round ratios p10 %.3f p25 %.3f median %.3f p75 %.3f p90 %.3f%n",
                what,
                ratios[rounds / 10],
                ratios[rounds / 4],
                ratios[rounds / 2],
                ratios[rounds * 3 / 4],
                ratios[rounds * 9 / 10]);
        return ratios[rounds / 2];
    }

    /** Runs {@code side} in this thread for {@code millis}; returns finds per second. */
    private static double slice(Side side, int millis, SplittableRandom rnd) throws Exception {
        long t0 = System.nanoTime();
        long end = t0 + millis * 1_000_000L;
        long n = 0;
        long now;
        do {
            side.op().run(rnd);
            n++;
            now = System.nanoTime();
        } while (now < end);
        return n * 1e9 / (now - t0);
    }

    /** Which shard server holds each tenant's accounts, read from the servers themselves. */
    private static Map<String, Integer> tenantShards(PgCluster pg) throws SQLException {
        Map<String, Integer> out = new HashMap<>();
        for (int s = 0; s < 2; s++) {
            try (Connection c = DriverManager.getConnection(pg.primary(s).jdbcUrl(), "postgres", "");
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT DISTINCT tenant_id FROM bench_accounts")) {
                while (rs.next()) out.put(rs.getString(1), s);
            }
        }
        if (out.size() != TENANTS) throw new IllegalStateException("tenants found on the shards: " + out.size());
        return out;
    }

    private static HikariDataSource hikari(String url) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setUsername("postgres");
        c.setMaximumPoolSize(8);
        c.setMinimumIdle(8);
        c.setPoolName("direct");
        return new HikariDataSource(c);
    }

    /**
     * Median over rounds of (direct seconds ÷ Shardline seconds) for the same 100k rows; > 1 means
     * Shardline was faster. Both sides are warmed up first, the side that goes first alternates, and
     * every timed insert starts on empty tables after a checkpoint and a collection, so that neither
     * side pays for the other's leftovers; {@code 4 × rounds + 1} rounds.
     */
    private static double bulk(DataSource direct, DataSource shardline, PgCluster pg, int rounds) throws Exception {
        for (int w = 0; w < BULK_WARMUP; w++) {
            insertOnce(direct, pg, true);
            insertOnce(shardline, pg, false);
        }
        int n = 4 * rounds + 1;
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            boolean directFirst = r % 2 == 0;
            long d;
            long s;
            if (directFirst) {
                d = insertOnce(direct, pg, true);
                s = insertOnce(shardline, pg, false);
            } else {
                s = insertOnce(shardline, pg, false);
                d = insertOnce(direct, pg, true);
            }
            ratios.add((double) d / s);
            System.out.printf(
                    "bulk_insert      round %d (%s first): direct %.0f ms, shardline %.0f ms, ratio %.3f%n",
                    r + 1, directFirst ? "direct" : "shardline", d / 1e6, s / 1e6, (double) d / s);
        }
        return ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray()[ratios.size() / 2];
    }

    /** One timed {@link #insertAll}, then the rows are removed again (untimed). */
    private static long insertOnce(DataSource ds, PgCluster pg, boolean isDirect) throws Exception {
        // A checkpoint or a collection left over from the previous insert would land in this one's time.
        pg.executeOnPrimaries("CHECKPOINT");
        System.gc();
        long t = insertAll(ds);
        if (isDirect) truncate(ds);
        else pg.executeOnPrimaries("TRUNCATE bulk");
        return t;
    }

    private static void truncate(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute("TRUNCATE bulk");
        }
    }

    /** Inserts the 100k rows in auto-commit batches of 10k; returns the elapsed nanoseconds. */
    private static long insertAll(DataSource ds) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO bulk (tenant_id, id, payload) VALUES (?, ?, ?)")) {
            for (int i = 0; i < BULK_ROWS; i++) {
                ps.setString(1, "tenant-" + (i % TENANTS));
                ps.setLong(2, i);
                ps.setString(3, "payload-" + i);
                ps.addBatch();
                if ((i + 1) % BULK_CHUNK == 0) ps.executeBatch();
            }
        }
        return System.nanoTime() - t0;
    }

    private static void loadAccounts(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO bench_accounts (tenant_id, id, balance) VALUES (?, ?, ?)")) {
            for (int t = 0; t < TENANTS; t++) {
                for (int i = 1; i <= ORM_ROWS_PER_TENANT; i++) {
                    ps.setString(1, "tenant-" + t);
                    ps.setLong(2, i);
                    ps.setLong(3, i);
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
    }

    private static SessionFactory sessions(DataSource ds) {
        Configuration cfg = new Configuration()
                .addAnnotatedClass(BenchAccount.class)
                .setProperty(AvailableSettings.DIALECT, "org.hibernate.dialect.PostgreSQLDialect")
                .setProperty(AvailableSettings.MULTI_TENANT_IDENTIFIER_RESOLVER, ContextTenant.class.getName());
        cfg.getProperties().put(AvailableSettings.DATASOURCE, ds);
        return cfg.buildSessionFactory();
    }

    private static void find(java.util.function.Function<String, SessionFactory> sfFor, SplittableRandom rnd) {
        String tenant = "tenant-" + rnd.nextInt(TENANTS);
        long id = 1 + rnd.nextInt(ORM_ROWS_PER_TENANT);
        SessionFactory sf = sfFor.apply(tenant);
        BenchAccount a = Tenants.call(tenant, () -> sf.fromSession(s -> s.find(BenchAccount.class, id)));
        if (a == null || a.balance != id) throw new IllegalStateException("row missing: " + tenant + "/" + id);
    }
}
