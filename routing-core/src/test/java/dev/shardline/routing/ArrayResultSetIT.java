package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * pgJDBC answers {@code Array.getResultSet()} with a result set built on a statement of the
 * physical connection. Before the fix, {@code rs.getArray(1).getResultSet().getStatement().getConnection()}
 * handed the application pgJDBC's own connection to the shard, on which any SQL ran unchecked (it
 * read another tenant's row). Arrays from result sets, callables and {@code createArrayOf} are now
 * facades whose result sets lead back to the logical connection only; binding one as a parameter
 * still works.
 */
@WithPgCluster(primaries = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArrayResultSetIT {
    private final PgCluster cluster;
    private ShardlineDataSource ds;
    private final String tenant = "arr-a";

    ArrayResultSetIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        ds = RoutingFixture.dataSource(cluster);
        RoutingFixture.createSchema(ds);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute("ALTER TABLE orders ADD COLUMN IF NOT EXISTS tags text[]");
            s.execute("INSERT INTO orders (tenant_id, id, amount, tags) VALUES ('" + tenant + "', 1, 1, '{a,b}')");
        }
    }

    @AfterAll
    void tearDown() {
        ds.close();
    }

    @Test
    void getArray_resultSetsLeadBackToTheLogicalConnectionOnly() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT tags FROM orders WHERE tenant_id = '" + tenant + "'")) {
            assertThat(rs.next()).isTrue();
            List<Array> arrays = List.of(rs.getArray(1), (Array) rs.getObject(1), rs.getObject(1, Array.class));
            for (Array a : arrays) {
                assertThat((Object[]) a.getArray()).containsExactly("a", "b");
                assertThat(a.toString()).isEqualTo("{a,b}");
                for (ResultSet ars : List.of(
                        a.getResultSet(),
                        a.getResultSet(1, 1),
                        a.getResultSet(Map.of()),
                        a.getResultSet(2, 1, Map.of()))) {
                    assertLogical(ars, c);
                }
                List<String> values = new ArrayList<>();
                try (ResultSet ars = a.getResultSet()) {
                    while (ars.next()) values.add(ars.getString(2));
                }
                assertThat(values).containsExactly("a", "b");
            }
        }
    }

    @Test
    void createArrayOf_isAFacadeAndStillBindsAsAParameter() throws SQLException {
        try (Connection c = ds.getConnection()) {
            Array tags = c.createArrayOf("text", new Object[] {"b", "z"});
            assertLogical(tags.getResultSet(), c);
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM orders WHERE tenant_id = ? AND tags && ?")) {
                ps.setString(1, tenant);
                ps.setArray(2, tags);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(1L);
                }
                ps.setObject(2, c.createArrayOf("text", new Object[] {"nope"}));
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isFalse();
                }
            }
        }
    }

    /** {@code ars} names no physical statement or connection: none, or the logical ones. */
    private static void assertLogical(ResultSet ars, Connection logical) throws SQLException {
        Statement st = ars.getStatement();
        if (st != null) {
            assertThat(st.getConnection()).isSameAs(logical);
            assertThatThrownBy(() -> st.unwrap(org.postgresql.PGStatement.class))
                    .isInstanceOf(SQLException.class);
        }
        assertThatThrownBy(() -> ars.unwrap(org.postgresql.jdbc.PgResultSet.class))
                .isInstanceOf(SQLException.class);
        ars.close();
    }
}
