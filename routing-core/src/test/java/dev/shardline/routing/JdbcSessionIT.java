package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Session behaviour of a Shardline connection as on pgJDBC: query timeout and cancel, server
 * cursors, savepoints, isolation/read-only/client info applied on the physical connection and
 * reset before reuse, validity, abort and network timeout — on two real shards.
 */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcSessionIT extends JdbcSurfaceBase {
    JdbcSessionIT(PgCluster cluster) {
        super(cluster);
    }

    // ---- timeouts and cancel ----

    @Test
    void setQueryTimeout_pgSleep_failsWith57014AndConnectionStaysUsable() throws Exception {
        String t = tenantOn(1, "qt");
        Tenants.run(t, () -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                s.setQueryTimeout(1);
                assertThat(s.getQueryTimeout()).isEqualTo(1);
                assertThatThrownBy(() -> s.execute("SELECT pg_sleep(30)"))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"));
                assertThat(one(c, "SELECT count(*) FROM jdbc_orders")).isNotNull();
            }
        });
    }

    @Test
    void cancel_fromAnotherThread_failsStatementWith57014AndConnectionStaysUsable() throws Exception {
        String t = tenantOn(0, "cx");
        String marker = "jdbc-cancel-" + run;
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            Future<?> running = pool.submit(() -> {
                Tenants.run(t, () -> s.execute("SELECT pg_sleep(60), '" + marker + "'"));
                return null;
            });
            awaitActive(0, marker);
            s.cancel();
            assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e.getCause()).getSQLState())
                            .isEqualTo("57014"));
            assertThat(Tenants.call(t, () -> one(c, "SELECT 1"))).isEqualTo("1");
        }
    }

    // ---- server cursors ----

    @Test
    void setFetchSize_autoCommitOff_streamsThroughAPortal() throws Exception {
        String t = tenantOn(1, "big");
        cluster.primary(1)
                .execute("INSERT INTO jdbc_big SELECT '" + t
                        + "', g, repeat('x', 100) FROM generate_series(1, 100000) g");
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT n, pad FROM jdbc_big WHERE tenant_id = ? ORDER BY n")) {
                ps.setFetchSize(500);
                ps.setString(1, t);
                long seen = 0;
                long sum = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    seen++;
                    sum += rs.getInt(1);
                    // pgJDBC keeps a portal open (visible in pg_cursors) only when it fetches in chunks.
                    assertThat(one(c, "SELECT count(*) FROM pg_cursors WHERE statement LIKE '%' || 'jdbc' || '_big%'"))
                            .isEqualTo("1");
                    while (rs.next()) {
                        seen++;
                        sum += rs.getInt(1);
                    }
                }
                assertThat(seen).isEqualTo(100_000);
                assertThat(sum).isEqualTo(100_000L * 100_001 / 2);
            }
            c.commit();
        }
        // The tenant-restricted statement text Shardline runs inside a tenant context keeps the fetch size too.
        Tenants.run(t, () -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.setFetchSize(500);
                try (ResultSet rs = s.executeQuery("SELECT n FROM jdbc_big")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(one(c, "SELECT count(*) FROM pg_cursors WHERE statement LIKE '%' || 'jdbc' || '_big%'"))
                            .isEqualTo("1");
                    long seen = 1;
                    while (rs.next()) seen++;
                    assertThat(seen).isEqualTo(100_000);
                }
                c.commit();
            }
        });
    }

    // ---- savepoints ----

    @Test
    void savepoints_setRollbackToRelease_withinTenantTransaction() throws Exception {
        String t = tenantOn(1, "sp");
        Tenants.run(t, () -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.executeUpdate("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 1, 1)");
                Savepoint sp = c.setSavepoint("before_dup");
                assertThatThrownBy(() -> s.executeUpdate(
                                "INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 1, 2)"))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
                c.rollback(sp);
                s.executeUpdate("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 2, 2)");
                Savepoint unnamed = c.setSavepoint();
                s.executeUpdate("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 3, 3)");
                c.releaseSavepoint(unnamed);
                s.execute("SAVEPOINT by_sql");
                s.executeUpdate("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 4, 4)");
                s.execute("ROLLBACK TO SAVEPOINT by_sql");
                s.execute("RELEASE SAVEPOINT by_sql");
                c.commit();
            }
        });
        assertThat(RoutingFixture.direct(
                        cluster.primary(1), "SELECT id FROM jdbc_orders WHERE tenant_id = '" + t + "' ORDER BY id"))
                .containsExactly("1", "2", "3");
    }

    // ---- isolation, read-only, client info: applied on the physical connection, gone before reuse ----

    @Test
    void isolationReadOnlyAndApplicationName_appliedOnPhysicalAndResetBeforeReuse() throws Exception {
        String t = tenantOn(1, "iso");
        String app = "jdbc-app-" + run;
        String[] firstPid = new String[1];
        Tenants.run(t, () -> {
            try (Connection c = single.getConnection()) {
                c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                c.setReadOnly(true);
                c.setClientInfo("ApplicationName", app);
                assertThat(c.getClientInfo("ApplicationName")).isEqualTo(app);
                c.setAutoCommit(false);
                assertThat(one(c, "SHOW transaction_isolation")).isEqualTo("serializable");
                assertThat(one(c, "SHOW transaction_read_only")).isEqualTo("on");
                assertThat(one(c, "SHOW application_name")).isEqualTo(app);
                firstPid[0] = one(c, "SELECT pg_backend_pid()");
                assertThatThrownBy(() -> c.createStatement()
                                .executeUpdate(
                                        "INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES ('" + t + "', 1, 1)"))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
                c.rollback();
                c.setReadOnly(false);
                c.createStatement().execute("SET work_mem = '7MB'");
                c.commit();
                assertThat(one(c, "SHOW work_mem")).isEqualTo("7MB");
                // closed with a transaction open: the resets must not be rolled back with it
            }
            try (Connection c = single.getConnection()) {
                c.setAutoCommit(false);
                assertThat(one(c, "SELECT pg_backend_pid()"))
                        .as("the same physical connection")
                        .isEqualTo(firstPid[0]);
                assertThat(one(c, "SHOW transaction_isolation")).isEqualTo("read committed");
                assertThat(one(c, "SHOW transaction_read_only")).isEqualTo("off");
                assertThat(one(c, "SHOW application_name")).isNotEqualTo(app);
                assertThat(one(c, "SHOW work_mem")).isNotEqualTo("7MB");
                c.commit();
            }
        });
    }

    // ---- validity, warnings, schema, escapes ----

    @Test
    void isValid_heldBackendKilled_dropsItAndTheNextStatementWorks() throws Exception {
        String t = tenantOn(0, "valid");
        try (Connection c = ds.getConnection()) {
            String pid = Tenants.call(t, () -> one(c, "SELECT pg_backend_pid()"));
            cluster.primary(0).execute("SELECT pg_terminate_backend(" + pid + ")");
            assertThat(c.isValid(5)).isTrue();
            assertThat(Tenants.call(t, () -> one(c, "SELECT pg_backend_pid()"))).isNotEqualTo(pid);
            assertThatThrownBy(() -> c.isValid(-1)).isInstanceOf(SQLException.class);
        }
        Connection closed = ds.getConnection();
        closed.close();
        assertThat(closed.isValid(1)).isFalse();
    }

    // ---- abort and network timeout ----

    @Test
    void abort_whileAStatementRuns_failsItAndClosesTheConnection() throws Exception {
        String t = tenantOn(1, "abort");
        String marker = "jdbc-abort-" + run;
        Connection c = single.getConnection();
        assertThatThrownBy(() -> c.abort(null)).isInstanceOf(SQLException.class);
        Statement s = c.createStatement();
        Future<?> running = pool.submit(() -> {
            Tenants.run(t, () -> s.execute("SELECT pg_sleep(20), '" + marker + "'"));
            return null;
        });
        awaitActive(1, marker);
        c.abort(pool);
        assertThat(c.isClosed()).isTrue();
        assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS))
                .hasCauseInstanceOf(SQLException.class)
                .satisfies(e ->
                        assertThat(((SQLException) e.getCause()).getSQLState()).startsWith("08"));
        assertThatThrownBy(() -> c.createStatement()).isInstanceOf(SQLException.class);
        // The aborted physical connection is discarded: the one-connection pool serves a fresh one.
        try (Connection next = single.getConnection()) {
            assertThat(Tenants.call(t, () -> one(next, "SELECT 1"))).isEqualTo("1");
        }
    }

    @Test
    void setNetworkTimeout_slowStatement_failsAsLostConnectionAndTheNextStatementWorks() throws Exception {
        String t = tenantOn(0, "net");
        try (Connection c = ds.getConnection()) {
            assertThatThrownBy(() -> c.setNetworkTimeout(pool, -1)).isInstanceOf(SQLException.class);
            c.setNetworkTimeout(pool, 300);
            assertThat(c.getNetworkTimeout()).isEqualTo(300);
            Tenants.run(t, () -> {
                assertThatThrownBy(() -> one(c, "SELECT pg_sleep(10)"))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e ->
                                assertThat(((SQLException) e).getSQLState()).startsWith("08"));
                c.setNetworkTimeout(pool, 0);
                assertThat(one(c, "SELECT 1")).isEqualTo("1");
            });
        }
    }
}
