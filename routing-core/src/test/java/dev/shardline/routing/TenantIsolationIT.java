package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Property: whatever mix of keyed statements, context-routed statements, plain JDBC and Jdbi runs,
 * no statement ever returns or changes a row of another tenant, and every statement on a sharded
 * table with no tenant at all is rejected. Every tenant has rows with the same ids, so a
 * statement that escaped its tenant would see foreign rows.
 */
@WithPgCluster(primaries = 2, replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantIsolationIT {
    private static final int TENANTS = 1_000;
    private static final int IDS = 5;
    private static final int OPS = 200_000;
    private static final int THREADS = 16;

    private final PgCluster cluster;
    private ShardlineDataSource ds;
    private Jdbi jdbi;

    TenantIsolationIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    private static String tenant(int i) {
        return "iso-" + i;
    }

    @BeforeAll
    void setUp() throws SQLException {
        ds = RoutingFixture.dataSource(cluster);
        jdbi = Jdbi.create(ds);
        RoutingFixture.createSchema(ds);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO orders (tenant_id, id, amount, status) VALUES (?, ?, 0, ?) ON CONFLICT (tenant_id, id) DO UPDATE SET amount = 0")) {
            for (int t = 0; t < TENANTS; t++) {
                for (int id = 1; id <= IDS; id++) {
                    ps.setString(1, tenant(t));
                    ps.setLong(2, 100_000 + id);
                    ps.setString(3, tenant(t));
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
    }

    @AfterAll
    void tearDown() {
        ds.close();
    }

    @Test
    void randomMix_hundredThousandOps_neverTouchesAnotherTenant() throws Exception {
        AtomicLong ops = new AtomicLong();
        AtomicLong rowsSeen = new AtomicLong();
        AtomicLong rejectedUnkeyed = new AtomicLong();
        AtomicLong unkeyedAttempts = new AtomicLong();
        List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < THREADS; w++) {
            long seed = 42 + w;
            done.add(pool.submit(() -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                for (int i = 0; i < OPS / THREADS; i++) {
                    String t = tenant(rnd.nextInt(TENANTS));
                    long id = 100_000 + 1 + rnd.nextInt(IDS);
                    try {
                        List<String> owners = op(rnd.nextInt(16), t, id, unkeyedAttempts, rejectedUnkeyed, rnd);
                        rowsSeen.addAndGet(owners.size());
                        for (String o : owners) if (!o.equals(t)) violations.add(t + " saw " + o);
                    } catch (SQLException e) {
                        violations.add(t + " failed: " + e.getMessage());
                    }
                    ops.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
        pool.shutdown();
        assertThat(ops.get()).isGreaterThanOrEqualTo(OPS);
        assertThat(violations).as("rows of another tenant or failures").isEmpty();
        assertThat(rowsSeen.get()).as("the mix really read rows").isGreaterThan(OPS / 2);
        assertThat(unkeyedAttempts.get()).isPositive();
        assertThat(rejectedUnkeyed.get()).as("unkeyed statements rejected").isEqualTo(unkeyedAttempts.get());
        // Row by row: every row lives on its tenant's shard and carries its own tenant as status.
        for (int s = 0; s < cluster.primaries().size(); s++) {
            for (String row : RoutingFixture.direct(
                    cluster.primary(s), "SELECT tenant_id || '|' || status FROM orders WHERE tenant_id LIKE 'iso-%'")) {
                String[] p = row.split("\\|");
                assertThat(p[1]).as("status of a row of " + p[0]).isEqualTo(p[0]);
                assertThat(ds.config().buckets().shardIndexOf(p[0]))
                        .as("shard of a row of " + p[0])
                        .isEqualTo(s);
            }
        }
    }

    /** Runs one random operation for tenant {@code t}; returns the tenant_id of every row it read or changed. */
    private List<String> op(int kind, String t, long id, AtomicLong unkeyed, AtomicLong rejected, SplittableRandom rnd)
            throws SQLException {
        switch (kind) {
            case 8: // subquery on the same tenant
                return query(
                        "SELECT status FROM orders WHERE tenant_id = ? AND id IN (SELECT id FROM orders WHERE tenant_id = ? AND amount >= 0)",
                        t,
                        t);
            case 9: // CTE
                return query(
                        "WITH x AS (SELECT * FROM orders WHERE tenant_id = ?) SELECT status FROM x WHERE id = ?",
                        t,
                        id);
            case 10: // upsert
                return query(
                        "INSERT INTO orders (tenant_id, id, amount, status) VALUES (?, ?, 0, ?) ON CONFLICT (tenant_id, id) "
                                + "DO UPDATE SET amount = orders.amount + 1 RETURNING status",
                        t,
                        id,
                        t);
            case 11: // context statement with a subquery: both references restricted by Shardline
                return Tenants.call(
                        t,
                        () -> query(
                                "UPDATE orders SET amount = amount + 1 WHERE id IN (SELECT id FROM orders WHERE amount >= 0) "
                                        + "RETURNING status"));
            case 12: { // autocommit batch over three tenants, likely on several shards
                try (Connection c = ds.getConnection();
                        PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO orders (tenant_id, id, amount, status) VALUES (?, ?, 0, ?) ON CONFLICT (tenant_id, id) DO UPDATE SET amount = orders.amount + 1")) {
                    for (int k = 0; k < 3; k++) {
                        String tk = k == 0 ? t : tenant(rnd.nextInt(TENANTS));
                        ps.setString(1, tk);
                        ps.setLong(2, id);
                        ps.setString(3, tk);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return List.of();
            }
            case 13: { // explicit transaction: keyed write then keyed read
                try (Connection c = ds.getConnection()) {
                    c.setAutoCommit(false);
                    List<String> out = new ArrayList<>();
                    for (String sql : List.of(
                            "UPDATE orders SET amount = amount + 1 WHERE tenant_id = ? AND id = ? RETURNING status",
                            "SELECT status FROM orders WHERE tenant_id = ? AND id = ?")) {
                        try (PreparedStatement ps = c.prepareStatement(sql)) {
                            ps.setString(1, t);
                            ps.setLong(2, id);
                            try (ResultSet rs = ps.executeQuery()) {
                                while (rs.next()) out.add(rs.getString(1));
                            }
                        }
                    }
                    c.commit();
                    return out;
                }
            }
            case 15: // self-join, both references keyed through the join condition
                return query(
                        "SELECT p.status FROM orders o JOIN orders p ON p.tenant_id = o.tenant_id AND p.id = o.id WHERE o.tenant_id = ? AND o.id = ?",
                        t,
                        id);
            case 14: // a key on one reference does not cover another: must be rejected
                unkeyed.incrementAndGet();
                try {
                    query("SELECT status FROM orders WHERE tenant_id = ? AND id IN (SELECT id FROM orders)", t);
                } catch (TenantRequiredException e) {
                    rejected.incrementAndGet();
                }
                return List.of();
            case 0: // keyed point read, plain JDBC
                return query("SELECT status FROM orders WHERE tenant_id = ? AND id = ?", t, id);
            case 1: // keyed range read, plain JDBC
                return query("SELECT status FROM orders WHERE tenant_id = ? AND id > ?", t, 0L);
            case 2: // context read without a tenant condition: Shardline restricts it
                return Tenants.call(t, () -> query("SELECT status FROM orders WHERE id = ?", id));
            case 3: // keyed write returning the rows it changed
                return query(
                        "UPDATE orders SET amount = amount + 1 WHERE tenant_id = ? AND id = ? RETURNING status", t, id);
            case 4: // context write without a tenant condition
                return Tenants.call(
                        t, () -> query("UPDATE orders SET amount = amount + 1 WHERE id = ? RETURNING status", id));
            case 5: // Jdbi keyed read
                return jdbi.withHandle(h -> h.createQuery("SELECT status FROM orders WHERE tenant_id = :t AND id = :id")
                        .bind("t", t)
                        .bind("id", id)
                        .mapTo(String.class)
                        .list());
            case 6: // Jdbi transaction with a context read
                return Tenants.call(
                        t,
                        () -> jdbi.inTransaction(h -> h.createQuery("SELECT status FROM orders WHERE id >= :id")
                                .bind("id", 0L)
                                .mapTo(String.class)
                                .list()));
            default: // no tenant anywhere: must be rejected
                unkeyed.incrementAndGet();
                try {
                    query("SELECT status FROM orders WHERE id = ?", id);
                } catch (TenantRequiredException e) {
                    rejected.incrementAndGet();
                }
                return List.of();
        }
    }

    private List<String> query(String sql, Object... args) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }
}
