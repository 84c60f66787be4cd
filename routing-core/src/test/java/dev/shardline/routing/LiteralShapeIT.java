package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Applications that splice values into SQL text: statements that differ only in those values share
 * one plan probe, and sharing changes no decision — every text is routed by its own literals, rows
 * land on their tenant's shard, and a text naming two tenants is still refused.
 */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiteralShapeIT {
    private final PgCluster cluster;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ShardlineDataSource ds;

    LiteralShapeIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        ShardlineConfig cfg = ShardlineConfig.fromYaml(RoutingFixture.yaml(cluster, ""));
        ds = ShardlineDataSource.create(cfg, RoutingSettings.from(cfg.section("routing")), registry);
        RoutingFixture.createSchema(ds);
        cluster.executeOnPrimaries("DELETE FROM orders WHERE tenant_id LIKE 'lit-%'");
    }

    @AfterAll
    void tearDown() {
        if (ds != null) ds.close();
    }

    private double probes() {
        return registry.get("shardline.analysis.probes").counter().count();
    }

    @Test
    void splicedValues_oneProbePerShape_rowsOnTheirTenantsShard() throws SQLException {
        double before = probes();
        int n = 200;
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            for (int i = 1; i <= n; i++) {
                assertThat(s.executeUpdate("INSERT INTO orders (tenant_id, id, amount) VALUES ('lit-" + i + "', " + i
                                + ", " + (i * 10) + ")"))
                        .isEqualTo(1);
            }
            for (int i = 1; i <= n; i++) {
                try (ResultSet rs =
                        s.executeQuery("SELECT amount FROM orders WHERE tenant_id = 'lit-" + i + "' AND id = " + i)) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getInt(1)).isEqualTo(i * 10);
                }
                assertThat(s.executeUpdate(
                                "UPDATE orders SET status = 'seen' WHERE tenant_id = 'lit-" + i + "' AND id = " + i))
                        .isEqualTo(1);
            }
        }
        assertThat(probes() - before)
                .as("plan probes for %d distinct texts of 3 shapes", 3 * n)
                .isLessThanOrEqualTo(6);
        for (int shard = 0; shard < 2; shard++) {
            for (String t : RoutingFixture.direct(
                    cluster.primary(shard), "SELECT tenant_id FROM orders WHERE tenant_id LIKE 'lit-%'")) {
                assertThat(ds.config().buckets().shardIndexOf(t))
                        .as("row of %s on shard %d", t, shard)
                        .isEqualTo(shard);
            }
        }
        assertThat(RoutingFixture.direct(
                                cluster.primary(0),
                                "SELECT count(*) FROM orders WHERE tenant_id LIKE 'lit-%' AND status = 'seen'")
                        .get(0))
                .isNotEqualTo("0");
    }

    @Test
    void sharedShape_twoTenantsInOneText_stillRefused() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            // Same shape as an accepted statement with one tenant twice: accepted, then a text with two tenants
            // refused.
            s.executeQuery(
                            "SELECT id FROM orders WHERE tenant_id = 'lit-1' AND id IN (SELECT id FROM orders WHERE tenant_id = 'lit-1')")
                    .close();
            assertThatThrownBy(
                            () -> s.executeQuery(
                                    "SELECT id FROM orders WHERE tenant_id = 'lit-1' AND id IN (SELECT id FROM orders WHERE tenant_id = 'lit-2')"))
                    .isInstanceOf(CrossTenantException.class)
                    .hasMessageContaining("lit-1")
                    .hasMessageContaining("lit-2");
            // A text naming one tenant twice shares its shape with one naming two: each is judged by its own values,
            // so a two-tenant text is refused or touches at most one tenant's rows, never both.
            s.executeUpdate(
                    "INSERT INTO orders (tenant_id, id, amount) VALUES ('lit-7', 7001, 1) ON CONFLICT DO NOTHING");
            s.executeUpdate(
                    "INSERT INTO orders (tenant_id, id, amount) VALUES ('lit-8', 7002, 1) ON CONFLICT DO NOTHING");
            s.executeQuery("SELECT tenant_id FROM orders WHERE tenant_id = 'lit-7' AND tenant_id = 'lit-7'")
                    .close();
            for (String twoTenants : new String[] {
                "SELECT tenant_id FROM orders WHERE tenant_id = 'lit-7' AND tenant_id = 'lit-8'",
                "SELECT tenant_id FROM orders WHERE tenant_id IN ('lit-7', 'lit-8') AND id > 0"
            }) {
                java.util.Set<String> seen = new java.util.HashSet<>();
                try (ResultSet rs = s.executeQuery(twoTenants)) {
                    while (rs.next()) seen.add(rs.getString(1));
                } catch (SQLException e) {
                    assertThat(e.getSQLState()).as(twoTenants).isIn("SL001", "SL004");
                }
                assertThat(seen).as(twoTenants).hasSizeLessThanOrEqualTo(1);
            }
            try {
                s.executeUpdate("UPDATE orders SET status = 'x' WHERE tenant_id IN ('lit-7', 'lit-8') AND id > 0");
            } catch (SQLException e) {
                assertThat(e.getSQLState()).isIn("SL001", "SL004");
            }
            java.util.Set<String> updated = new java.util.HashSet<>();
            for (int shard = 0; shard < 2; shard++) {
                updated.addAll(RoutingFixture.direct(
                        cluster.primary(shard),
                        "SELECT tenant_id FROM orders WHERE tenant_id IN ('lit-7', 'lit-8') AND status = 'x'"));
            }
            assertThat(updated).as("tenants whose rows one statement updated").hasSizeLessThanOrEqualTo(1);
            assertThatThrownBy(() ->
                            s.executeUpdate("DELETE FROM orders WHERE tenant_id = 'lit-3' OR tenant_id = 'lit-4'"))
                    .isInstanceOf(SQLException.class)
                    .hasFieldOrPropertyWithValue("SQLState", "SL001");
            assertThatThrownBy(() -> Tenants.run("lit-5", () -> {
                        try (Statement st = c.createStatement()) {
                            st.executeQuery("SELECT id FROM orders WHERE tenant_id = 'lit-6'")
                                    .close();
                        }
                    }))
                    .isInstanceOf(SQLException.class)
                    .hasFieldOrPropertyWithValue("SQLState", "SL003");
        }
    }
}
