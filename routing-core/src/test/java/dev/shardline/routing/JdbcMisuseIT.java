package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Wrong arguments to JDBC calls get a {@code SQLException} naming them, and leave the connection
 * usable. Before the fix {@code setTransactionIsolation(99)} was kept although refused, and every
 * later statement on that connection failed with "Connection is closed"; {@code unwrap(null)},
 * {@code isWrapperFor(null)} and {@code setClientInfo(null, ...)} threw NullPointerException.
 */
@WithPgCluster(primaries = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcMisuseIT {
    private final PgCluster cluster;
    private ShardlineDataSource ds;

    JdbcMisuseIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        ds = RoutingFixture.dataSource(cluster);
        RoutingFixture.createSchema(ds);
    }

    @AfterAll
    void tearDown() {
        ds.close();
    }

    @Test
    void setTransactionIsolation_unsupportedLevel_refused_connectionStillWorks() throws SQLException {
        try (Connection c = ds.getConnection()) {
            keyedRead(c);
            assertThatThrownBy(() -> c.setTransactionIsolation(99))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("99")
                    .extracting(e -> ((SQLException) e).getSQLState())
                    .isEqualTo("0A000");
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
            keyedRead(c);
            c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
            keyedRead(c);
        }
    }

    @Test
    void setHoldability_unknownValue_refused_connectionStillWorks() throws SQLException {
        try (Connection c = ds.getConnection()) {
            assertThatThrownBy(() -> c.setHoldability(99))
                    .isInstanceOf(SQLException.class)
                    .extracting(e -> ((SQLException) e).getSQLState())
                    .isEqualTo("22023");
            assertThat(c.getHoldability()).isEqualTo(ResultSet.HOLD_CURSORS_OVER_COMMIT);
            keyedRead(c);
        }
    }

    @Test
    void nullArguments_sqlExceptionsNotNullPointers() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM orders WHERE tenant_id = 'misuse'")) {
            for (java.sql.Wrapper w : new java.sql.Wrapper[] {ds, c, s, rs, c.getMetaData()}) {
                assertThat(w.isWrapperFor(null)).as(w.getClass().getName()).isFalse();
                assertThatThrownBy(() -> w.unwrap(null))
                        .as(w.getClass().getName())
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("unwrap(null)");
            }
            assertThatThrownBy(() -> c.setClientInfo(null, "x")).isInstanceOf(SQLClientInfoException.class);
            keyedRead(c);
        }
    }

    private static void keyedRead(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM orders WHERE tenant_id = 'misuse'")) {
            assertThat(rs.next()).isTrue();
        }
    }
}
