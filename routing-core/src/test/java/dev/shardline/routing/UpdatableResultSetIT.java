package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Updatable result sets write rows through the physical connection by themselves (pgJDBC builds
 * the INSERT or UPDATE from the row), past routing and the isolation check. Before the fix, a
 * {@code CONCUR_UPDATABLE} statement reading tenant A's rows could {@code insertRow} a row of tenant B
 * onto A's shard and {@code updateRow} A's row into tenant C, with or without a tenant context.
 * Now the statement is read-only (with a warning on the connection, as JDBC allows) and every
 * row-write method is refused with 0A000; reading keeps working.
 */
@WithPgCluster(primaries = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpdatableResultSetIT {
    private final PgCluster cluster;
    private ShardlineDataSource ds;
    private String tenant;
    private String foreign;

    UpdatableResultSetIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        ds = RoutingFixture.dataSource(cluster);
        RoutingFixture.createSchema(ds);
        int shardA = ds.config().buckets().shardIndexOf("upd-a");
        tenant = "upd-a";
        // A tenant on the other shard: a misplaced row would land on the wrong server.
        for (int i = 0; foreign == null && i < 1000; i++) {
            if (ds.config().buckets().shardIndexOf("upd-b" + i) != shardA) foreign = "upd-b" + i;
        }
        assertThat(foreign).isNotNull();
    }

    @BeforeEach
    void seed() throws SQLException {
        for (var p : cluster.primaries()) p.execute("TRUNCATE orders");
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
            for (String t : List.of(tenant, foreign)) {
                for (int id = 1; id <= 3; id++) {
                    ps.setString(1, t);
                    ps.setLong(2, id);
                    ps.setInt(3, 10 * id);
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
    void createStatement_concurUpdatable_readsReadOnlyWithAWarning() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement(ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_UPDATABLE);
                ResultSet rs = s.executeQuery("SELECT * FROM orders WHERE tenant_id = '" + tenant + "' ORDER BY id")) {
            assertThat(rs.getConcurrency()).isEqualTo(ResultSet.CONCUR_READ_ONLY);
            List<Long> ids = new ArrayList<>();
            while (rs.next()) ids.add(rs.getLong("id"));
            assertThat(ids).containsExactly(1L, 2L, 3L);
            rs.first(); // the requested scrollable type is kept
            assertThat(rs.getLong("id")).isEqualTo(1L);
            SQLWarning w = c.getWarnings();
            assertThat((Throwable) w).hasMessageStartingWith("shardline - CONCUR_UPDATABLE is not supported");
            c.clearWarnings();
            assertThat((Throwable) c.getWarnings()).isNull();
        }
    }

    @Test
    void insertRow_foreignTenant_refusedAndNothingWritten() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement(ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_UPDATABLE);
                ResultSet rs = s.executeQuery("SELECT * FROM orders WHERE tenant_id = '" + tenant + "'")) {
            assertRefused(rs::moveToInsertRow, "moveToInsertRow");
            assertRefused(() -> rs.updateString("tenant_id", foreign), "updateString");
            assertRefused(rs::insertRow, "insertRow");
        }
        assertUntouched();
    }

    @Test
    void updateRow_tenantMove_refusedInAndOutOfContext() throws Exception {
        for (boolean inContext : new boolean[] {false, true}) {
            Tenants.Work<Void, SQLException> work = () -> {
                try (Connection c = ds.getConnection();
                        PreparedStatement ps = c.prepareStatement(
                                "SELECT * FROM orders WHERE tenant_id = ? AND id = 1",
                                ResultSet.TYPE_FORWARD_ONLY,
                                ResultSet.CONCUR_UPDATABLE)) {
                    ps.setString(1, tenant);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertRefused(() -> rs.updateString("tenant_id", foreign), "updateString");
                        assertRefused(() -> rs.updateInt("amount", 999), "updateInt");
                        assertRefused(rs::updateRow, "updateRow");
                        assertRefused(rs::deleteRow, "deleteRow");
                    }
                }
                return null;
            };
            if (inContext) Tenants.call(tenant, work);
            else work.call();
        }
        assertUntouched();
    }

    @Test
    void prepareCall_concurUpdatable_resultSetRefusesRowWrites() throws SQLException {
        // A callable runs unchecked only inside Tenants.unrestricted, on the context tenant's shard.
        Tenants.<Void, SQLException>call(
                tenant,
                () -> Tenants.<Void, SQLException>unrestricted("test: updatable callable result", () -> {
                    try (Connection c = ds.getConnection();
                            CallableStatement cs = c.prepareCall(
                                    "SELECT * FROM orders WHERE tenant_id = ?",
                                    ResultSet.TYPE_FORWARD_ONLY,
                                    ResultSet.CONCUR_UPDATABLE)) {
                        cs.setString(1, tenant);
                        try (ResultSet rs = cs.executeQuery()) {
                            assertThat(rs.getConcurrency()).isEqualTo(ResultSet.CONCUR_READ_ONLY);
                            assertThat(rs.next()).isTrue();
                            assertRefused(rs::deleteRow, "deleteRow");
                        }
                    }
                    return null;
                }));
        assertUntouched();
    }

    @Test
    void metaData_supportsResultSetConcurrency_answersReadOnlyOnly() throws SQLException {
        try (Connection c = ds.getConnection()) {
            var md = c.getMetaData();
            assertThat(md.supportsResultSetConcurrency(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_UPDATABLE))
                    .isFalse();
            assertThat(md.supportsResultSetConcurrency(ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_UPDATABLE))
                    .isFalse();
            assertThat(md.supportsResultSetConcurrency(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY))
                    .isTrue();
        }
    }

    private interface SqlCall {
        void run() throws SQLException;
    }

    private static void assertRefused(SqlCall call, String method) {
        assertThatThrownBy(call::run)
                .isInstanceOf(SQLFeatureNotSupportedException.class)
                .hasMessageStartingWith("shardline - ResultSet." + method + " is not supported")
                .extracting(e -> ((SQLException) e).getSQLState())
                .isEqualTo("0A000");
    }

    /** Every shard holds exactly the seeded rows: each tenant's three rows on its own shard, amounts unchanged. */
    private void assertUntouched() throws SQLException {
        for (int s = 0; s < 2; s++) {
            List<String> rows = RoutingFixture.direct(
                    cluster.primary(s), "SELECT tenant_id || '/' || id || '/' || amount FROM orders ORDER BY 1");
            List<String> expected = new ArrayList<>();
            for (String t : List.of(tenant, foreign)) {
                if (ds.config().buckets().shardIndexOf(t) != s) continue;
                for (int id = 1; id <= 3; id++) expected.add(t + "/" + id + "/" + (10 * id));
            }
            expected.sort(null);
            assertThat(rows).as("rows on shard %d", s).isEqualTo(expected);
        }
    }
}
