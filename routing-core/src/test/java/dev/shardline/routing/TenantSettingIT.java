package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The tenant setting ({@code shardline.tenant}) on pooled connections when tenants switch on every
 * statement: the switch travels in the statement's own round trip, so every JDBC execute form must
 * still give the application exactly its statement's result, a failed statement must not leave
 * Shardline believing a setting its rollback undid, and only the routed tenant's rows are visible
 * — checked in RLS mode (as an ordinary role) and in the default mode with a tenant context.
 */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantSettingIT {
    private final PgCluster cluster;
    private ShardlineDataSource plain;
    private ShardlineDataSource rls;
    /** Three tenants on shard-0, so one logical connection switches its one physical connection between them. */
    private final List<String> tenants = new ArrayList<>();

    TenantSettingIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        // The cluster is shared with other test classes: only rows of this class's tenants, no schema changes.
        plain = RoutingFixture.dataSource(cluster);
        RoutingFixture.createSchema(plain);
        for (int i = 0; tenants.size() < 3; i++) {
            if (plain.config().buckets().shardIndexOf("tset" + i) == 0) tenants.add("tset" + i);
        }
        cluster.executeOnPrimaries("DELETE FROM orders WHERE tenant_id LIKE 'tset%'");
        for (String t : tenants) {
            for (int id = 1; id <= 3; id++) {
                cluster.primary(0)
                        .execute("INSERT INTO orders (tenant_id, id, amount, status) VALUES ('" + t + "', " + id + ", "
                                + id + ", 'note-" + t + "')");
            }
        }
        rls = RoutingFixture.rlsDataSource(cluster);
    }

    @AfterAll
    void tearDown() {
        if (plain != null) plain.close();
        if (rls != null) rls.close();
    }

    @Test
    void everyExecuteForm_switchingTenants_rls() throws Exception {
        everyExecuteForm(rls);
    }

    @Test
    void everyExecuteForm_switchingTenants_tenantContext() throws Exception {
        everyExecuteForm(plain);
    }

    private void everyExecuteForm(ShardlineDataSource ds) throws Exception {
        try (Connection c = ds.getConnection();
                PreparedStatement keyed =
                        c.prepareStatement("SELECT status FROM orders WHERE tenant_id = ? AND id >= ?");
                PreparedStatement unkeyed = c.prepareStatement("SELECT DISTINCT status FROM orders WHERE id >= ?");
                PreparedStatement update =
                        c.prepareStatement("UPDATE orders SET amount = amount + 0 WHERE tenant_id = ? AND id = ?")) {
            for (int round = 0; round < 30; round++) {
                String t = tenants.get(round % tenants.size());
                Tenants.run(t, () -> {
                    keyed.setString(1, t);
                    keyed.setInt(2, 1);
                    assertThat(notes(keyed.executeQuery())).containsExactly("note-" + t, "note-" + t, "note-" + t);
                    // The statement's parameters as the application wrote them, not counting the setting Shardline
                    // adds.
                    assertThat(keyed.getParameterMetaData().getParameterCount()).isEqualTo(2);

                    unkeyed.setInt(1, 1);
                    assertThat(notes(unkeyed.executeQuery()))
                            .as("context-restricted read as %s", t)
                            .containsExactly("note-" + t);

                    update.setString(1, t);
                    update.setInt(2, 2);
                    assertThat(update.executeUpdate()).isEqualTo(1);
                    assertThat(update.executeLargeUpdate()).isEqualTo(1L);
                    assertThat(update.execute()).isFalse();
                    assertThat(update.getUpdateCount()).isEqualTo(1);
                    assertThat(update.getMoreResults()).isFalse();
                    assertThat(update.getUpdateCount()).isEqualTo(-1);

                    assertThat(keyed.execute()).isTrue();
                    assertThat(notes(keyed.getResultSet())).hasSize(3);
                    assertThat(keyed.getMoreResults()).isFalse();
                    assertThat(keyed.getUpdateCount()).isEqualTo(-1);

                    assertThatThrownBy(update::executeQuery).isInstanceOf(SQLException.class);
                    assertThatThrownBy(keyed::executeUpdate).isInstanceOf(SQLException.class);
                });
            }
        }
    }

    @Test
    void failedStatement_afterSwitch_nextStatementsStillSeeTheirTenant_rls() throws Exception {
        failedStatementAfterSwitch(rls);
    }

    @Test
    void failedStatement_afterSwitch_nextStatementsStillSeeTheirTenant_tenantContext() throws Exception {
        failedStatementAfterSwitch(plain);
    }

    private void failedStatementAfterSwitch(ShardlineDataSource ds) throws Exception {
        String a = tenants.get(0);
        String b = tenants.get(1);
        try (Connection c = ds.getConnection();
                PreparedStatement read = c.prepareStatement("SELECT DISTINCT status FROM orders WHERE id >= ?");
                PreparedStatement failing = c.prepareStatement("SELECT amount / (id - id) FROM orders WHERE id >= ?")) {
            for (int r = 0; r < 5; r++) {
                int round = r;
                Tenants.run(a, () -> {
                    read.setInt(1, 1);
                    assertThat(notes(read.executeQuery())).containsExactly("note-" + a);
                });
                Tenants.run(b, () -> {
                    failing.setInt(1, 1);
                    assertThatThrownBy(failing::executeQuery)
                            .isInstanceOf(SQLException.class)
                            .hasFieldOrPropertyWithValue("SQLState", "22012");
                });
                Tenants.run(b, () -> {
                    read.setInt(1, 1);
                    assertThat(notes(read.executeQuery()))
                            .as("after a failed statement, round %d", round)
                            .containsExactly("note-" + b);
                });
                Tenants.run(a, () -> {
                    read.setInt(1, 1);
                    assertThat(notes(read.executeQuery())).containsExactly("note-" + a);
                });
            }
        }
    }

    @Test
    void switchInsideRolledBackTransaction_isNotBelievedAfterwards_rls() throws Exception {
        String a = tenants.get(0);
        String b = tenants.get(2);
        try (Connection c = rls.getConnection();
                PreparedStatement read = c.prepareStatement("SELECT DISTINCT status FROM orders WHERE id >= ?")) {
            for (int r = 0; r < 5; r++) {
                int round = r;
                Tenants.run(a, () -> {
                    read.setInt(1, 1);
                    assertThat(notes(read.executeQuery())).containsExactly("note-" + a);
                });
                c.setAutoCommit(false);
                Tenants.run(b, () -> {
                    read.setInt(1, 1);
                    assertThat(notes(read.executeQuery())).containsExactly("note-" + b);
                });
                c.rollback();
                c.setAutoCommit(true);
                Tenants.run(b, () -> {
                    read.setInt(1, 1);
                    assertThat(notes(read.executeQuery()))
                            .as("after the rollback undid the setting, round %d", round)
                            .containsExactly("note-" + b);
                });
            }
        }
    }

    private static List<String> notes(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }
}
