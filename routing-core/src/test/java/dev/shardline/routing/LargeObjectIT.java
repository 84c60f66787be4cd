package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.io.ByteArrayInputStream;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Large objects live outside every table: pgJDBC's {@code getBlob}/{@code getClob} open one by the
 * oid in a column through the physical connection, so any oid a statement returns — a literal
 * included — opened any tenant's large object on that shard. Before the fix, {@code SELECT <oid of
 * another tenant's document> FROM orders WHERE tenant_id = 'mine'} and {@code rs.getBlob(1)} read
 * the other tenant's bytes. Every large-object read and write through Shardline is now refused with
 * 0A000 naming the method, as {@code lo_get} in SQL already was.
 */
@WithPgCluster(primaries = 2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LargeObjectIT {
    private final PgCluster cluster;
    private ShardlineDataSource ds;
    private final String tenant = "lob-a";
    private int shard;
    private long foreignOid;

    LargeObjectIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        ds = RoutingFixture.dataSource(cluster);
        RoutingFixture.createSchema(ds);
        shard = ds.config().buckets().shardIndexOf(tenant);
        try (Connection c = cluster.primary(shard).connect();
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + tenant + "', 1, 1)");
            try (ResultSet rs = s.executeQuery("SELECT lo_from_bytea(0, 'secret-of-another-tenant')")) {
                rs.next();
                foreignOid = rs.getLong(1);
            }
        }
    }

    @AfterAll
    void tearDown() {
        ds.close();
    }

    @Test
    void getBlob_oidOfAnotherTenantsObject_refusedNothingRead() throws SQLException {
        for (String sql : List.of(
                "SELECT " + foreignOid + "::oid FROM orders WHERE tenant_id = '" + tenant + "'",
                "SELECT " + foreignOid + " FROM orders WHERE tenant_id = '" + tenant + "'")) {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery(sql)) {
                    assertThat(rs.next()).isTrue();
                    assertRefused(() -> rs.getBlob(1), "ResultSet.getBlob");
                    assertRefused(() -> rs.getClob(1), "ResultSet.getClob");
                    assertRefused(() -> rs.getNClob(1), "ResultSet.getNClob");
                    assertRefused(() -> rs.getObject(1, Blob.class), "ResultSet.getObject");
                    assertRefused(() -> rs.getObject(1, Clob.class), "ResultSet.getObject");
                    // The oid itself is just a number and still reads as one.
                    assertThat(rs.getLong(1)).isEqualTo(foreignOid);
                }
                c.rollback();
            }
        }
    }

    @Test
    void setBlob_anyForm_refusedNoObjectCreated() throws Exception {
        long before = largeObjects();
        Tenants.run(tenant, () -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps =
                            c.prepareStatement("UPDATE orders SET amount = ? WHERE tenant_id = ? AND id = 1")) {
                assertRefused(
                        () -> ps.setBlob(1, new ByteArrayInputStream(new byte[] {1})), "PreparedStatement.setBlob");
                assertRefused(
                        () -> ps.setBlob(1, new ByteArrayInputStream(new byte[] {1}), 1), "PreparedStatement.setBlob");
                assertRefused(
                        () -> ps.setObject(1, new ByteArrayInputStream(new byte[] {1}), Types.BLOB),
                        "PreparedStatement.setObject");
                assertRefused(
                        () -> ps.setObject(1, new ByteArrayInputStream(new byte[] {1}), Types.CLOB, 1),
                        "PreparedStatement.setObject");
            }
        });
        assertThat(largeObjects()).isEqualTo(before);
    }

    @Test
    void callable_getBlob_refusedEvenUnrestricted() throws SQLException {
        Tenants.<Void, SQLException>call(
                tenant,
                () -> Tenants.<Void, SQLException>unrestricted("test: callable large object", () -> {
                    try (Connection c = ds.getConnection()) {
                        c.setAutoCommit(false);
                        try (CallableStatement cs = c.prepareCall("{? = call lo_creat(-1)}")) {
                            cs.registerOutParameter(1, Types.BIGINT);
                            assertRefused(
                                    () -> cs.setBlob(1, new ByteArrayInputStream(new byte[] {1})),
                                    "CallableStatement.setBlob");
                            cs.execute();
                            assertRefused(() -> cs.getBlob(1), "CallableStatement.getBlob");
                        }
                        c.rollback();
                    }
                    return null;
                }));
    }

    private long largeObjects() throws SQLException {
        return Long.parseLong(
                RoutingFixture.direct(cluster.primary(shard), "SELECT count(*) FROM pg_largeobject_metadata")
                        .get(0));
    }

    private interface SqlCall {
        void run() throws Exception;
    }

    private static void assertRefused(SqlCall call, String method) {
        assertThatThrownBy(call::run)
                .isInstanceOf(SQLFeatureNotSupportedException.class)
                .hasMessageStartingWith("shardline - " + method)
                .hasMessageContaining("large objects belong to no tenant")
                .extracting(e -> ((SQLException) e).getSQLState())
                .isEqualTo("0A000");
    }
}
