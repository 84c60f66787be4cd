package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code Statement.addBatch(String)} batches. pgJDBC runs an auto-commit batch as one implicit
 * transaction: a failing statement leaves nothing of the batch. Before the fix Shardline ran the
 * statements one by one and refused a later one only when it came to it, so {@code [UPDATE of my
 * tenant, DELETE FROM orders]} left the UPDATE committed and threw. Every statement is now analysed
 * and routed before the first runs, and a batch whose statements all go to one tenant's shard runs as
 * one physical pgJDBC batch, all or nothing, as on pgJDBC.
 */
@WithPgCluster(primaries = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatementBatchIT {
    private final PgCluster cluster;
    private ShardlineDataSource ds;
    private String a;
    private String b;

    StatementBatchIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        ds = RoutingFixture.dataSource(cluster);
        RoutingFixture.createSchema(ds);
        for (int i = 0; a == null || b == null; i++) {
            String t = "sb-" + i;
            if (ds.config().buckets().shardIndexOf(t) == 0 && a == null) a = t;
            if (ds.config().buckets().shardIndexOf(t) == 1 && b == null) b = t;
        }
    }

    @BeforeEach
    void seed() {
        for (var p : cluster.primaries()) p.execute("TRUNCATE orders");
        cluster.primary(0).execute("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + a + "', 1, 0)");
        cluster.primary(1).execute("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + b + "', 1, 0)");
    }

    @AfterAll
    void tearDown() {
        ds.close();
    }

    @Test
    void executeBatch_refusedStatementAfterAKeyedOne_nothingRuns() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.addBatch("UPDATE orders SET amount = 1 WHERE tenant_id = '" + a + "' AND id = 1");
            s.addBatch("UPDATE orders SET amount = 1 WHERE tenant_id = '" + b + "' AND id = 1");
            s.addBatch("DELETE FROM orders");
            assertThatThrownBy(s::executeBatch).isInstanceOfSatisfying(BatchUpdateException.class, e -> {
                assertThat(e.getUpdateCounts()).isEmpty();
                assertThat(e.getSQLState()).isEqualTo("SL001");
                assertThat(e.getMessage())
                        .startsWith("statement 3 of the batch: ")
                        .endsWith("(nothing of the batch was run)");
            });
            // The batch is cleared after a failure, as pgJDBC's is.
            assertThat(s.executeBatch()).isEmpty();
        }
        assertThat(amounts()).containsExactly(a + "=0", b + "=0");
    }

    @Test
    void executeBatch_keyedStatementsOnBothShards_allRun() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.addBatch("UPDATE orders SET amount = 1 WHERE tenant_id = '" + a + "' AND id = 1");
            s.addBatch("UPDATE orders SET amount = 2 WHERE tenant_id = '" + b + "' AND id = 1");
            s.addBatch("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + b + "', 2, 3)");
            assertThat(s.executeBatch()).containsExactly(1, 1, 1);
        }
        assertThat(amounts()).containsExactly(a + "=1", b + "=2", b + "=3");
    }

    @Test
    void executeBatch_unkeyedInsideTenantContext_restrictedAndRun() throws SQLException {
        Tenants.<Void, SQLException>call(a, () -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                s.addBatch("UPDATE orders SET amount = 5");
                s.addBatch("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + a + "', 2, 6)");
                assertThat(s.executeBatch()).containsExactly(1, 1);
            }
            return null;
        });
        assertThat(amounts()).containsExactly(a + "=5", a + "=6", b + "=0");
    }

    @Test
    void executeBatch_oneTenantServerRejectsOne_allOrNothingAsPgJdbc() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.addBatch("UPDATE orders SET amount = 7 WHERE tenant_id = '" + a + "' AND id = 1");
            s.addBatch("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + a + "', 2, 1)");
            s.addBatch("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + a + "', 1, 1)"); // duplicate key
            assertThatThrownBy(s::executeBatch).isInstanceOfSatisfying(BatchUpdateException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("23505");
                assertThat(e.getUpdateCounts()).containsOnly(Statement.EXECUTE_FAILED);
            });
            // The connection is usable and the batch left nothing behind.
            s.addBatch("UPDATE orders SET amount = 8 WHERE tenant_id = '" + a + "' AND id = 1");
            s.addBatch("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + a + "', 2, 9)");
            assertThat(s.executeBatch()).containsExactly(1, 1);
        }
        assertThat(amounts()).containsExactly(a + "=8", a + "=9", b + "=0");
    }

    @Test
    void executeBatch_autoCommitOff_runsInTheTransaction() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.addBatch("UPDATE orders SET amount = 4 WHERE tenant_id = '" + a + "' AND id = 1");
            s.addBatch("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + a + "', 2, 4)");
            assertThat(s.executeBatch()).containsExactly(1, 1);
            c.rollback();
        }
        assertThat(amounts()).containsExactly(a + "=0", b + "=0");
    }

    private List<String> amounts() throws SQLException {
        List<String> out = new ArrayList<>();
        for (int s = 0; s < 2; s++)
            out.addAll(RoutingFixture.direct(
                    cluster.primary(s), "SELECT tenant_id || '=' || amount FROM orders ORDER BY tenant_id, id"));
        return out;
    }
}
