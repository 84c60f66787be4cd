package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
 * Transactions as PostgreSQL's (no half-commits after any error, a lost backend fails the
 * transaction), no physical connection escaping through the JDBC surface, and bad input as
 * SQLExceptions — on two real shards.
 */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransactionDrillIT {
    private final PgCluster cluster;
    private ShardlineDataSource ds;
    private String a;
    private String b;

    TransactionDrillIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        ds = RoutingFixture.dataSource(cluster);
        RoutingFixture.createSchema(ds);
        for (int i = 0; a == null || b == null; i++) {
            String t = "tx" + i;
            if (ds.config().buckets().shardIndexOf(t) == 0 && a == null) a = t;
            if (ds.config().buckets().shardIndexOf(t) == 1 && b == null) b = t;
        }
    }

    @BeforeEach
    void clean() {
        cluster.executeOnPrimaries("DELETE FROM orders WHERE tenant_id LIKE 'tx%'");
    }

    @AfterAll
    void tearDown() {
        ds.close();
    }

    private long rows(String tenant) throws SQLException {
        int shard = ds.config().buckets().shardIndexOf(tenant);
        return Long.parseLong(RoutingFixture.direct(
                        cluster.primary(shard), "SELECT count(*) FROM orders WHERE tenant_id = '" + tenant + "'")
                .get(0));
    }

    private static void insert(Connection c, String tenant, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, 1)")) {
            ps.setString(1, tenant);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    @Test
    void commit_afterCrossShardRejection_commitsNothing() throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            insert(c, a, 1);
            assertThatThrownBy(() -> insert(c, b, 2))
                    .isInstanceOf(CrossShardException.class)
                    .hasFieldOrPropertyWithValue("SQLState", "SL002");
            assertThatThrownBy(() -> insert(c, a, 3))
                    .isInstanceOf(SQLException.class)
                    .hasFieldOrPropertyWithValue("SQLState", "25P02");
            assertThatThrownBy(c::commit).isInstanceOf(SQLException.class).hasMessageContaining("rolled back");
            // The connection is usable again after the failed commit.
            c.setAutoCommit(true);
            insert(c, a, 4);
        }
        assertThat(rows(a)).isEqualTo(1);
        assertThat(rows(b)).isZero();
    }

    @Test
    void sqlCommit_afterServerError_commitsNothing() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute("BEGIN");
            insert(c, a, 1);
            assertThatThrownBy(() -> insert(c, a, 1))
                    .isInstanceOf(SQLException.class)
                    .hasFieldOrPropertyWithValue("SQLState", "23505");
            assertThatThrownBy(() -> s.execute("COMMIT")).isInstanceOf(SQLException.class);
        }
        assertThat(rows(a)).isZero();
    }

    @Test
    void tenantContext_afterRolledBackTransaction_stillSeesItsRows() throws Exception {
        try (Connection c = ds.getConnection()) {
            insert(c, a, 1);
        }
        // The first context statement sets shardline.tenant inside the transaction; the rollback undoes it.
        Tenants.run(a, () -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.executeUpdate("UPDATE orders SET amount = amount + 1 WHERE id = 1");
                c.rollback();
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {
                    rs.next();
                    assertThat(rs.getLong(1))
                            .as("rows seen in the same logical connection after the rollback")
                            .isEqualTo(1);
                }
            }
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM orders")) {
                rs.next();
                assertThat(rs.getLong(1)).as("rows seen by the next borrower").isEqualTo(1);
            }
        });
    }

    @Test
    void savepoint_rollbackClearsTheFailure() throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            insert(c, a, 1);
            java.sql.Savepoint sp = c.setSavepoint();
            assertThatThrownBy(() -> insert(c, a, 1)).hasFieldOrPropertyWithValue("SQLState", "23505");
            c.rollback(sp);
            insert(c, a, 2);
            c.commit();
        }
        assertThat(rows(a)).isEqualTo(2);
    }

    @Test
    void terminatedBackend_midTransaction_failsItAndCommitsNothing() throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            insert(c, a, 1);
            int pid;
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT pg_backend_pid() FROM orders WHERE tenant_id = ? LIMIT 1")) {
                ps.setString(1, a);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    pid = rs.getInt(1);
                }
            }
            cluster.primary(0).execute("SELECT pg_terminate_backend(" + pid + ")");
            SQLException lost = null;
            try {
                insert(c, a, 2);
            } catch (SQLException e) {
                lost = e;
            }
            assertThat((Object) lost)
                    .as("a statement after the backend died must fail")
                    .isNotNull();
            assertThatThrownBy(() -> insert(c, a, 3)).isInstanceOf(SQLException.class);
            SQLException commitFailure = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, c::commit);
            assertThat(commitFailure.getSQLState()).startsWith("08");
        }
        assertThat(rows(a)).isZero();
    }

    @Test
    void batch_autocommitAcrossShards_reportsExactCounts() throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, 1)")) {
            for (int i = 0; i < 10; i++) {
                ps.setString(1, i % 2 == 0 ? a : b);
                ps.setLong(2, i);
                ps.addBatch();
            }
            assertThat(ps.executeBatch()).containsOnly(1).hasSize(10);
        }
        assertThat(rows(a)).isEqualTo(5);
        assertThat(rows(b)).isEqualTo(5);
    }

    @Test
    void batch_inTransactionAcrossShards_runsNothing() throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, 1)")) {
            c.setAutoCommit(false);
            insert(c, a, 100);
            for (int i = 0; i < 4; i++) {
                ps.setString(1, i % 2 == 0 ? a : b);
                ps.setLong(2, i);
                ps.addBatch();
            }
            assertThatThrownBy(ps::executeBatch).isInstanceOf(SQLException.class);
            assertThatThrownBy(c::commit).isInstanceOf(SQLException.class);
        }
        assertThat(rows(a)).isZero();
        assertThat(rows(b)).isZero();
    }

    @Test
    void physicalConnection_neverEscapes() throws SQLException {
        try (Connection c = ds.getConnection()) {
            assertThat(c.getMetaData().getConnection()).isSameAs(c);
            try (ResultSet tables = c.getMetaData().getTables(null, null, "orders", null)) {
                assertThat(tables.getStatement() == null
                                || tables.getStatement().getConnection() == c)
                        .isTrue();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM orders WHERE tenant_id = ?")) {
                ps.setString(1, a);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.getStatement()).isSameAs(ps);
                    assertThat(rs.getStatement().getConnection()).isSameAs(c);
                    assertThatThrownBy(() -> rs.unwrap(org.postgresql.PGConnection.class))
                            .isInstanceOf(SQLException.class);
                }
            }
            assertThatThrownBy(() -> c.prepareCall("{call anything()}"))
                    .isInstanceOf(UnverifiableStatementException.class);
            // A tenant-free query through prepareCall runs, but its statement leads back to the logical connection
            // only: a physical one would run any SQL unchecked.
            try (java.sql.CallableStatement cs = c.prepareCall("select current_schema()")) {
                assertThat(cs.getConnection()).isSameAs(c);
                assertThatThrownBy(() -> cs.unwrap(java.sql.Connection.class)).isInstanceOf(SQLException.class);
                assertThatThrownBy(() -> cs.unwrap(org.postgresql.core.BaseStatement.class))
                        .isInstanceOf(SQLException.class);
                try (ResultSet rs = cs.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getStatement()).isSameAs(cs);
                    assertThat(rs.getStatement().getConnection()).isSameAs(c);
                }
            }
            Tenants.run(
                    a,
                    () -> Tenants.unrestricted("drill", () -> {
                        try (java.sql.CallableStatement cs = c.prepareCall("{call anything()}")) {
                            assertThat(cs.getConnection()).isSameAs(c);
                        }
                        return null;
                    }));
            assertThatThrownBy(() -> c.unwrap(org.postgresql.core.BaseConnection.class))
                    .isInstanceOf(SQLException.class);
            // PGConnection unwraps to Shardline's own facade (routed COPY), never to the physical connection.
            assertThat(c.unwrap(org.postgresql.PGConnection.class))
                    .isNotInstanceOf(org.postgresql.core.BaseConnection.class);
            assertThatThrownBy(() -> c.unwrap(org.postgresql.PGConnection.class).getBackendPID())
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void tenantParameter_ofWrongType_isAnSqlExceptionNamingIt() throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT * FROM orders WHERE tenant_id = ?")) {
            ps.setDouble(1, 1.5);
            assertThatThrownBy(ps::executeQuery)
                    .isInstanceOf(InvalidTenantValueException.class)
                    .hasMessageContaining("parameter 1");
            ps.setBoolean(1, true);
            assertThatThrownBy(ps::executeQuery)
                    .isInstanceOf(SQLException.class)
                    .hasFieldOrPropertyWithValue("SQLState", "22023");
            ps.setBytes(1, new byte[] {1});
            assertThatThrownBy(ps::executeQuery)
                    .isInstanceOf(SQLException.class)
                    .hasFieldOrPropertyWithValue("SQLState", "22023");
            ps.setTimestamp(1, new java.sql.Timestamp(0));
            assertThatThrownBy(ps::executeQuery)
                    .isInstanceOf(SQLException.class)
                    .hasFieldOrPropertyWithValue("SQLState", "22023");
        }
    }

    @Test
    void hugeInList_isAnalysedWithoutStackOverflow() throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT count(*) FROM orders WHERE tenant_id = ? AND id IN (");
        for (int i = 0; i < 100_000; i++) sql.append(i == 0 ? "" : ",").append(i);
        sql.append(")");
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setString(1, a);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
            }
        }
    }

    @Test
    void explain_reportsRejectionsInsteadOfThrowing() {
        List<RoutePlan> plans = new ArrayList<>();
        for (String sql : List.of(
                "SELECT * FROM orders WHERE",
                "SELECT 1; SELECT 2",
                "SELECT * FROM orders WHERE tenant_id = 'x",
                "DO $$ $$")) {
            plans.add(ds.explain(sql, null));
        }
        assertThat(plans).allSatisfy(p -> assertThat(p.kind()).endsWith("rejected"));
        assertThat(ds.explain("SELECT * FROM orders WHERE tenant_id = ?", 1.5).kind())
                .endsWith("rejected");
    }

    @Test
    void sessionSettings_thatChangeNameResolution_areRefused() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("SET search_path TO pg_temp"))
                    .isInstanceOf(UnverifiableStatementException.class);
            assertThatThrownBy(() -> s.execute("SET standard_conforming_strings = off"))
                    .isInstanceOf(UnverifiableStatementException.class);
            assertThatThrownBy(() -> c.setSchema("other")).isInstanceOf(SQLException.class);
            s.execute("SET application_name = 'fine'");
        }
    }

    @Test
    void batch_rowRejectedMidway_nothingRuns() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.addBatch("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + a + "', 1, 1)");
            s.addBatch("DELETE FROM orders");
            s.addBatch("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + a + "', 2, 1)");
            assertThatThrownBy(s::executeBatch)
                    .isInstanceOfSatisfying(
                            BatchUpdateException.class,
                            e -> assertThat(e.getUpdateCounts()).isEmpty());
        }
        // Refused before the first statement ran (it used to leave the first INSERT committed).
        assertThat(rows(a)).isZero();
    }
}
