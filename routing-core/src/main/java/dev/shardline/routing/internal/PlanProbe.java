package dev.shardline.routing.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.shardline.config.Endpoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.StringJoiner;

/**
 * Asks PostgreSQL for the generic plan of a statement without running it: {@code PREPARE} (one
 * statement only, through the extended protocol), then {@code EXPLAIN (VERBOSE, FORMAT JSON)
 * EXECUTE} with {@code plan_cache_mode = force_generic_plan}, so parameters stay {@code $n} in the
 * plan, inside a read-only transaction that is rolled back. Uses its own two-connection pool per
 * shard primary, tried in order, so analysis never waits on the application's pools.
 */
final class PlanProbe implements AutoCloseable {
    private static final java.util.concurrent.atomic.AtomicLong COUNTER = new java.util.concurrent.atomic.AtomicLong();
    private final List<Endpoint> primaries;
    private final HikariDataSource[] pools;
    private final io.micrometer.core.instrument.Counter probes;

    PlanProbe(List<Endpoint> primaries, io.micrometer.core.instrument.MeterRegistry registry) {
        this.primaries = primaries;
        this.pools = new HikariDataSource[primaries.size()];
        this.probes = io.micrometer.core.instrument.Counter.builder("shardline.analysis.probes")
                .description("plan probes sent to a shard primary: one per distinct statement shape, then cached")
                .register(registry);
    }

    /** Work on a probe connection. */
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} on the first shard primary that answers. */
    <T> T withConnection(Work<T> work) throws SQLException {
        SQLException first = null;
        for (int i = 0; i < primaries.size(); i++) {
            Connection c;
            try {
                c = pool(i).getConnection();
            } catch (SQLException e) {
                if (first == null) first = e;
                continue;
            }
            try (c) {
                return work.run(c);
            }
        }
        throw new SQLException(
                "shardline - no shard primary answered for statement analysis: "
                        + (first == null ? "no shards" : first.getMessage()),
                "08001",
                first);
    }

    /** Returns the JSON of the generic plan of {@code sql} ({@code $n} parameters, as many as {@code params}). */
    String explain(Connection c, String sql, int params, String typeList) throws SQLException {
        return explain(c, sql, params, typeList, "");
    }

    /**
     * As above, with {@code shardline.tenant} holding {@code tenantStandIn} while planning: the planner
     * evaluates {@code current_setting('shardline.tenant')::bigint} for its estimates, so the stand-in
     * must be a valid value of the tenant column's type. It is one of Shardline's constants, never input.
     */
    String explain(Connection c, String sql, int params, String typeList, String tenantStandIn) throws SQLException {
        if (!tenantStandIn.matches("[0-9a-f-]*"))
            throw new IllegalArgumentException("tenant stand-in must be a constant: " + tenantStandIn);
        String name = "shardline_probe_" + COUNTER.incrementAndGet();
        probes.increment();
        if (!c.getAutoCommit()) c.setAutoCommit(true);
        // Four round trips: open (constant text), PREPARE (extended protocol: one statement only), EXPLAIN, close.
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN READ ONLY; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL "
                    + Exprs.CONTEXT_SETTING + " = '" + tenantStandIn + "'");
            try {
                try (PreparedStatement prep = c.prepareStatement("PREPARE " + name + typeList + " AS " + sql)) {
                    prep.execute();
                }
                StringJoiner args = new StringJoiner(", ", "(", ")");
                for (int i = 0; i < params; i++) args.add("NULL");
                try (ResultSet rs = st.executeQuery("EXPLAIN (VERBOSE, COSTS OFF, FORMAT JSON) EXECUTE " + name
                        + (params > 0 ? args.toString() : ""))) {
                    rs.next();
                    return rs.getString(1);
                }
            } finally {
                // Prepared statements outlive a rollback; DEALLOCATE of one PREPARE never made fails harmlessly on its
                // own.
                st.execute("ROLLBACK");
                try {
                    st.execute("DEALLOCATE " + name);
                } catch (SQLException ignored) {
                    // PREPARE itself failed: nothing to drop
                }
            }
        }
    }

    private synchronized HikariDataSource pool(int i) {
        if (pools[i] == null) {
            Endpoint e = primaries.get(i);
            HikariConfig hc = new HikariConfig();
            hc.setPoolName("shardline-probe-" + e.id());
            hc.setJdbcUrl(e.jdbcUrl());
            hc.setUsername(e.username());
            hc.setPassword(e.password());
            hc.setMaximumPoolSize(2);
            hc.setMinimumIdle(0);
            hc.setConnectionTimeout(5_000);
            hc.setInitializationFailTimeout(-1);
            hc.addDataSourceProperty("options", "-c standard_conforming_strings=on");
            pools[i] = new HikariDataSource(hc);
        }
        return pools[i];
    }

    @Override
    public synchronized void close() {
        for (HikariDataSource p : pools) if (p != null) p.close();
    }
}
