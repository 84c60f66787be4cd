package dev.shardline.routing;

import static dev.shardline.routing.RoutingFixture.direct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** COPY FROM STDIN for one tenant: rows land on the tenant's shard only, and a foreign row writes nothing. */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShardlineCopyIT {
    private final PgCluster cluster;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private ShardlineDataSource ds;

    ShardlineCopyIT(PgCluster cluster) {
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
    void copyIn_tenantsRows_landOnItsShardOnly() throws Exception {
        String tenant = run + "-c1";
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 1000; i++)
            text.append(tenant)
                    .append('\t')
                    .append(i)
                    .append('\t')
                    .append(i * 2)
                    .append("\tnew\n");
        long n = ShardlineCopy.copyIn(ds, "orders", tenant, new StringReader(text.toString()));
        assertThat(n).isEqualTo(1000);
        int owner = ds.config().buckets().shardIndexOf(tenant);
        assertThat(direct(cluster.primary(owner), "SELECT count(*) FROM orders WHERE tenant_id = '" + tenant + "'"))
                .containsExactly("1000");
        assertThat(direct(cluster.primary(1 - owner), "SELECT count(*) FROM orders WHERE tenant_id = '" + tenant + "'"))
                .containsExactly("0");
        long sum = Tenants.call(tenant, () -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    var rs = s.executeQuery("SELECT sum(amount) FROM orders")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(sum).isEqualTo(999L * 1000);
    }

    @Test
    void copyInCsv_rowOfAnotherTenant_refusedAndNothingWritten() throws Exception {
        String tenant = run + "-c2";
        String csv = tenant + ",1,5,new\n" + run + "-other,2,5,new\n";
        assertThatThrownBy(() -> ShardlineCopy.copyInCsv(ds, "orders", tenant, new StringReader(csv)))
                .isInstanceOf(CrossTenantException.class)
                .hasMessageContaining("nothing was written");
        for (int shard = 0; shard < 2; shard++) {
            assertThat(direct(
                            cluster.primary(shard),
                            "SELECT count(*) FROM orders WHERE tenant_id LIKE '" + run
                                    + "-%' AND id IN (1, 2) AND amount = 5"))
                    .containsExactly("0");
        }
    }

    @Test
    void copyIn_undeclaredTable_refused() {
        assertThatThrownBy(() -> ShardlineCopy.copyIn(ds, "currencies", "t", new StringReader("")))
                .isInstanceOf(ShardlineRoutingException.class)
                .hasMessageContaining("not a declared sharded table");
    }

    @Test
    void copySql_throughConnection_stillRefused() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("COPY orders FROM STDIN")).isInstanceOf(SQLException.class);
        }
    }
}
