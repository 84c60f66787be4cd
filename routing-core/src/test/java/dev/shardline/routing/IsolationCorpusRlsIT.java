package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The adversarial corpus again with {@code routing.isolation: rls}, connected as an ordinary
 * application role (no superuser, no BYPASSRLS; the tables' owner is another role, and the policies
 * are forced). Also shows what the policies add: a statement run without the analysis (inside
 * {@code Tenants.unrestricted}) still reads and changes only the routed tenant's rows.
 */
@WithPgCluster(primaries = 3, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IsolationCorpusRlsIT extends IsolationCorpusIT {
    IsolationCorpusRlsIT(PgCluster cluster) {
        super(cluster);
    }

    @Override
    ShardlineDataSource corpusDataSource() throws SQLException {
        for (PgNode p : cluster.primaries()) {
            p.execute(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shardline_app') THEN "
                            + "CREATE ROLE shardline_app LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$",
                    "GRANT EXECUTE ON FUNCTION leak_notes() TO shardline_app");
        }
        return RoutingFixture.rlsDataSource(cluster);
    }

    @Test
    void unrestricted_withoutAnalysis_stillOnlyItsTenantsRows() throws Exception {
        String t = tenants[0][0];
        String notes = Tenants.call(
                t,
                () -> Tenants.unrestricted("rls test", () -> {
                    try (Connection c = ds.getConnection();
                            Statement s = c.createStatement();
                            ResultSet rs = s.executeQuery("SELECT string_agg(note, ',') FROM orders")) {
                        rs.next();
                        return rs.getString(1);
                    }
                }));
        assertThat(notes).contains("secret-" + t + "-").doesNotContain("secret-" + tenants[0][1] + "-");
        int deleted = Tenants.call(
                t,
                () -> Tenants.unrestricted("rls test", () -> {
                    try (Connection c = ds.getConnection();
                            Statement s = c.createStatement()) {
                        return s.executeUpdate("DELETE FROM order_items");
                    }
                }));
        assertThat(deleted).isEqualTo(3);
        assertThat(RoutingFixture.direct(
                        cluster.primary(0),
                        "SELECT count(*) FROM order_items WHERE tenant_id = '" + tenants[0][1] + "'"))
                .containsExactly("3");
        assertThatThrownBy(() -> Tenants.call(
                        t,
                        () -> Tenants.unrestricted("rls test", () -> {
                            try (Connection c = ds.getConnection();
                                    Statement s = c.createStatement()) {
                                return s.executeUpdate(
                                        "INSERT INTO orders (tenant_id, id, amount) SELECT note, 77, 1 FROM orders LIMIT 1");
                            }
                        })))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("row-level security");
    }

    @Test
    void startup_asRoleThatBypassesPolicies_fails() throws Exception {
        Path yaml = RoutingFixture.yaml(cluster, "");
        Files.writeString(yaml, Files.readString(yaml).replace("routing:\n", "routing:\n  isolation: rls\n"));
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        assertThatThrownBy(() -> ShardlineDataSource.create(
                        cfg, RoutingSettings.from(cfg.section("routing")), new SimpleMeterRegistry()))
                .isInstanceOf(ShardlineRoutingException.class)
                .hasMessageContaining("superuser")
                .hasMessageContaining("rlsBypassCheck");
    }
}
