package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The JDBC surface of a Shardline connection compared with a direct pgJDBC connection to a shard:
 * metadata, generated keys and RETURNING, warnings, schema, JDBC escapes, the multiple-results
 * protocol and what unwrap gives — on two real shards. Session behaviour is in {@link JdbcSessionIT}.
 */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcSurfaceIT extends JdbcSurfaceBase {
    JdbcSurfaceIT(PgCluster cluster) {
        super(cluster);
    }

    // ---- DatabaseMetaData ----

    @Test
    void getMetaData_tablesColumnsKeysTypes_sameAsPgJdbc() throws SQLException {
        try (Connection c = ds.getConnection();
                Connection d = direct()) {
            DatabaseMetaData m = c.getMetaData();
            DatabaseMetaData p = d.getMetaData();
            List<List<String>> tables =
                    rows(m.getTables(null, "public", "jdbc_%", new String[] {"TABLE"}), "TABLE_NAME", "TABLE_TYPE");
            assertThat(tables)
                    .hasSize(4)
                    .isEqualTo(rows(
                            p.getTables(null, "public", "jdbc_%", new String[] {"TABLE"}), "TABLE_NAME", "TABLE_TYPE"));
            String[] colCols = {"COLUMN_NAME", "TYPE_NAME", "ORDINAL_POSITION", "NULLABLE", "COLUMN_DEF"};
            assertThat(rows(m.getColumns(null, "public", "jdbc_serial", null), colCols))
                    .hasSize(3)
                    .isEqualTo(rows(p.getColumns(null, "public", "jdbc_serial", null), colCols));
            assertThat(rows(m.getPrimaryKeys(null, "public", "jdbc_orders"), "COLUMN_NAME", "KEY_SEQ"))
                    .containsExactly(List.of("tenant_id", "1"), List.of("id", "2"));
            String[] fk = {"PKTABLE_NAME", "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ"};
            assertThat(rows(m.getImportedKeys(null, "public", "jdbc_items"), fk))
                    .hasSize(2)
                    .isEqualTo(rows(p.getImportedKeys(null, "public", "jdbc_items"), fk));
            assertThat(rows(m.getTypeInfo(), "TYPE_NAME", "DATA_TYPE"))
                    .isNotEmpty()
                    .isEqualTo(rows(p.getTypeInfo(), "TYPE_NAME", "DATA_TYPE"));
            assertThat(m.getDatabaseProductName()).isEqualTo(p.getDatabaseProductName());
            assertThat(m.getUserName()).isEqualTo(p.getUserName());
            assertThat(m.getURL()).isEqualTo(cluster.primary(0).jdbcUrl());
        }
    }

    @Test
    void getMetaData_connectionAndResultSets_leadBackToTheLogicalConnection() throws SQLException {
        try (Connection c = ds.getConnection()) {
            DatabaseMetaData m = c.getMetaData();
            assertThat(m.getConnection()).isSameAs(c);
            try (ResultSet rs = m.getTables(null, "public", "jdbc_orders", null)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getStatement() == null || rs.getStatement().getConnection() == c)
                        .isTrue();
            }
            assertThat(m.isWrapperFor(org.postgresql.PGConnection.class)).isFalse();
        }
    }

    @Test
    void getMetaData_urlWithPassword_redacted() throws SQLException {
        try (Connection c = single.getConnection()) {
            String url = c.getMetaData().getURL();
            assertThat(url).startsWith("jdbc:postgresql://").doesNotContain("s3cret-jdbc");
        }
    }

    @Test
    void getMetaData_insideTransactionOnAnotherShard_answeredByDefaultShardAndLeavesNoOpenTransaction()
            throws Exception {
        String t1 = tenantOn(1, "md");
        String app = "jdbc-md-" + run;
        try (Connection c = ds.getConnection()) {
            c.setClientInfo("ApplicationName", app);
            c.setAutoCommit(false);
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES (?, 1, 1)")) {
                ps.setString(1, t1);
                ps.executeUpdate();
            }
            assertThat(c.getMetaData().getURL()).isEqualTo(cluster.primary(0).jdbcUrl());
            assertThat(rows(c.getMetaData().getPrimaryKeys(null, "public", "jdbc_items"), "COLUMN_NAME"))
                    .hasSize(3);
            c.commit();
            for (int shard = 0; shard < 2; shard++) {
                assertThat(RoutingFixture.direct(
                                cluster.primary(shard),
                                "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app
                                        + "' AND state LIKE 'idle in transaction%'"))
                        .as("shard-%d", shard)
                        .containsExactly("0");
            }
        }
        assertThat(RoutingFixture.direct(
                        cluster.primary(1), "SELECT count(*) FROM jdbc_orders WHERE tenant_id = '" + t1 + "'"))
                .containsExactly("1");
    }

    // ---- generated keys and RETURNING ----

    @Test
    void getGeneratedKeys_returnGeneratedKeys_sameColumnsAsPgJdbc() throws SQLException {
        String t = tenantOn(1, "gk");
        List<String> expected;
        try (Connection d = direct();
                PreparedStatement ps = d.prepareStatement("SELECT * FROM jdbc_serial LIMIT 0")) {
            expected = labels(ps.getMetaData());
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO jdbc_serial (tenant_id, name) VALUES (?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, t);
            ps.setString(2, "a");
            assertThat(ps.executeUpdate()).isEqualTo(1);
            try (ResultSet keys = ps.getGeneratedKeys()) {
                assertThat(labels(keys.getMetaData())).isEqualTo(expected);
                assertThat(keys.next()).isTrue();
                assertThat(keys.getString("tenant_id")).isEqualTo(t);
                assertThat(keys.getLong("id")).isPositive();
                assertThat(keys.getStatement()).isSameAs(ps);
                assertThat(keys.getStatement().getConnection()).isSameAs(c);
            }
        }
    }

    @Test
    void getGeneratedKeys_afterBatch_oneShardAllKeys_severalShardsRefusedNotPartial() throws SQLException {
        String a = tenantOn(0, "gkb");
        String b = tenantOn(1, "gkb");
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO jdbc_serial (tenant_id, name) VALUES (?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            for (int i = 0; i < 5; i++) {
                ps.setString(1, a);
                ps.setString(2, "k" + i);
                ps.addBatch();
            }
            assertThat(ps.executeBatch()).hasSize(5);
            assertThat(rows(ps.getGeneratedKeys(), "name")).hasSize(5);
            for (int i = 0; i < 6; i++) {
                ps.setString(1, i % 2 == 0 ? a : b);
                ps.setString(2, "m" + i);
                ps.addBatch();
            }
            assertThat(ps.executeBatch()).hasSize(6);
            assertThatThrownBy(ps::getGeneratedKeys)
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("several shards")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000"));
            ps.setString(1, b);
            ps.setString(2, "single");
            ps.executeUpdate();
            assertThat(rows(ps.getGeneratedKeys(), "name")).containsExactly(List.of("single"));
        }
    }

    @Test
    void getGeneratedKeys_columnNamesInsideTenantContext_onlyThoseColumns() throws Exception {
        String t = tenantOn(0, "gkn");
        long id = Tenants.call(t, () -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                assertThat(s.executeUpdate(
                                "INSERT INTO jdbc_serial (tenant_id, name) VALUES ('" + t + "', 'b')",
                                new String[] {"id"}))
                        .isEqualTo(1);
                try (ResultSet keys = s.getGeneratedKeys()) {
                    assertThat(labels(keys.getMetaData())).containsExactly("id");
                    assertThat(keys.next()).isTrue();
                    return keys.getLong(1);
                }
            }
        });
        assertThat(RoutingFixture.direct(
                        cluster.primary(0),
                        "SELECT name FROM jdbc_serial WHERE tenant_id = '" + t + "' AND id = " + id))
                .containsExactly("b");
    }

    @Test
    void getGeneratedKeys_byColumnIndex_refusedAsPgJdbc() throws SQLException {
        String sql = "INSERT INTO jdbc_serial (tenant_id, name) VALUES ('x', 'c')";
        String directState;
        try (Connection d = direct()) {
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(
                    SQLException.class, () -> d.prepareStatement(sql, new int[] {2}));
            directState = e.getSQLState();
        }
        try (Connection c = ds.getConnection()) {
            assertThatThrownBy(() -> c.prepareStatement(sql, new int[] {2}).executeUpdate())
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(directState));
        }
    }

    @Test
    void returning_insertAndUpdateReturning_rowsAsPgJdbc() throws SQLException {
        String t = tenantOn(1, "ret");
        try (Connection c = ds.getConnection();
                PreparedStatement ins = c.prepareStatement(
                        "INSERT INTO jdbc_orders (tenant_id, id, amount) VALUES (?, 7, 70) RETURNING id, amount");
                PreparedStatement upd = c.prepareStatement(
                        "UPDATE jdbc_orders SET amount = amount + 1 WHERE tenant_id = ? RETURNING amount")) {
            ins.setString(1, t);
            assertThat(rows(ins.executeQuery(), "id", "amount")).containsExactly(List.of("7", "70"));
            upd.setString(1, t);
            assertThat(upd.execute()).isTrue();
            assertThat(rows(upd.getResultSet(), "amount")).containsExactly(List.of("71"));
        }
    }

    @Test
    void getWarnings_raiseNotice_surfacesOnTheStatementAsPgJdbc() throws Exception {
        String t = tenantOn(1, "warn");
        SQLWarning expected;
        try (Connection d = direct();
                Statement s = d.createStatement()) {
            s.execute("SELECT jdbc_notice('x')");
            expected = s.getWarnings();
        }
        Tenants.run(t, () -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                assertThat((Object) s.getWarnings()).isNull();
                s.execute("SELECT jdbc_notice('x')");
                SQLWarning w = s.getWarnings();
                assertThat((Object) w).isNotNull();
                assertThat(w.getMessage()).isEqualTo(expected.getMessage()).contains("jdbc-notice x");
                assertThat(w.getSQLState()).isEqualTo(expected.getSQLState());
                s.clearWarnings();
                assertThat((Object) s.getWarnings()).isNull();
                assertThat((Object) c.getWarnings()).isNull();
                c.clearWarnings();
            }
        });
    }

    @Test
    void schema_getSchemaAsPgJdbc_setSchemaToTheSameAllowed_anotherRefused() throws SQLException {
        try (Connection c = ds.getConnection();
                Connection d = direct()) {
            assertThat(c.getSchema()).isEqualTo(d.getSchema()).isEqualTo("public");
            c.setSchema("public");
            assertThatThrownBy(() -> c.setSchema("pg_catalog"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(SqlStates.UNVERIFIABLE));
            assertThat(c.getSchema()).isEqualTo("public");
        }
    }

    @Test
    void nativeSQL_jdbcEscapes_translatedAsPgJdbc() throws SQLException {
        String sql =
                "SELECT {fn ucase(note)}, {d '2024-01-02'} FROM jdbc_orders WHERE tenant_id = ? AND note LIKE 'a\\_%' {escape '\\'}";
        try (Connection c = ds.getConnection();
                Connection d = direct()) {
            assertThat(c.nativeSQL(sql)).isEqualTo(d.nativeSQL(sql)).doesNotContain("{fn");
        }
    }

    @Test
    void jdbcEscapes_inRoutedStatement_runAsPgJdbc() throws SQLException {
        String t = tenantOn(1, "esc");
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ins = c.prepareStatement(
                    "INSERT INTO jdbc_orders (tenant_id, id, amount, note) VALUES (?, 1, 1, 'abc')")) {
                ins.setString(1, t);
                ins.executeUpdate();
            }
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT {fn ucase(note)} FROM jdbc_orders WHERE tenant_id = ?")) {
                ps.setString(1, t);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("ABC");
                }
            }
        }
    }

    // ---- multiple-results protocol and wrappers ----

    @Test
    void statementResultSequence_queryThenUpdate_asPgJdbc() throws Exception {
        String t = tenantOn(0, "seq");
        String update = "UPDATE jdbc_orders SET amount = amount WHERE tenant_id = '" + t + "' AND id = -1";
        List<Object> expected;
        try (Connection d = direct();
                Statement s = d.createStatement()) {
            expected = sequence(s, "SELECT 1 AS one", update);
        }
        List<Object> actual = Tenants.call(t, () -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                assertThat(s.getResultSet()).isNull();
                assertThat(s.getUpdateCount()).isEqualTo(-1);
                List<Object> out = sequence(s, "SELECT 1 AS one", update);
                assertThat(s.execute("SELECT 1 AS one")).isTrue();
                ResultSet rs = s.getResultSet();
                assertThat(s.getResultSet())
                        .as("the same result set on repeated calls")
                        .isSameAs(rs);
                assertThat(rs.getStatement()).isSameAs(s);
                assertThat(rs.getStatement().getConnection()).isSameAs(c);
                return out;
            }
        });
        assertThat(actual).isEqualTo(expected);
    }

    private static List<Object> sequence(Statement s, String query, String update) throws SQLException {
        List<Object> out = new ArrayList<>();
        out.add(s.execute(query));
        out.add(s.getUpdateCount());
        ResultSet rs = s.getResultSet();
        out.add(rs != null);
        out.add(s.getMoreResults());
        out.add(s.getUpdateCount());
        out.add(s.getResultSet() == null);
        out.add(s.execute(update));
        out.add(s.getUpdateCount());
        out.add(s.getResultSet() == null);
        out.add(s.getMoreResults());
        out.add(s.getUpdateCount());
        return out;
    }

    @Test
    void unwrap_physicalTypesRefused_pgConnectionGivesShardlinesOwn() throws SQLException {
        try (Connection c = ds.getConnection()) {
            assertThat(c.isWrapperFor(Connection.class)).isTrue();
            assertThat(c.unwrap(Connection.class)).isSameAs(c);
            assertThat(c.isWrapperFor(org.postgresql.core.BaseConnection.class)).isFalse();
            assertThatThrownBy(() -> c.unwrap(org.postgresql.core.BaseConnection.class))
                    .isInstanceOf(SQLException.class);
            assertThat(c.isWrapperFor(org.postgresql.PGConnection.class)).isTrue();
            org.postgresql.PGConnection pg = c.unwrap(org.postgresql.PGConnection.class);
            assertThat(pg).isNotInstanceOf(org.postgresql.core.BaseConnection.class);
            assertThat(pg.getCopyAPI()).isNotNull();
            assertThat(pg.escapeIdentifier("a\"b")).isEqualTo("\"a\"\"b\"");
            assertThatThrownBy(pg::getLargeObjectAPI).isInstanceOf(java.sql.SQLFeatureNotSupportedException.class);
            try (Statement s = c.createStatement();
                    ResultSet rs = Tenants.call(tenantOn(0, "uw"), () -> s.executeQuery("SELECT 1"))) {
                assertThatThrownBy(() -> rs.unwrap(org.postgresql.jdbc.PgResultSet.class))
                        .isInstanceOf(SQLException.class);
                assertThat(s.isWrapperFor(org.postgresql.PGStatement.class)).isFalse();
            }
        }
    }
}
