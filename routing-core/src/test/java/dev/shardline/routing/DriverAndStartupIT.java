package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.config.ShardlineConfigException;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

@WithPgCluster(primaries = 2, replicas = 1)
class DriverAndStartupIT {
    private final PgCluster cluster;

    DriverAndStartupIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @Test
    void driverUrl_unmodifiedJdbcAndJdbi_work() throws Exception {
        Path yaml = RoutingFixture.yaml(cluster, "");
        String url = "jdbc:shardline:" + yaml;
        try (Connection c = DriverManager.getConnection(url)) {
            assertThat(c).isNotNull();
        }
        try (ShardlineDataSource ds = ShardlineDataSource.fromYaml(yaml)) {
            RoutingFixture.createSchema(ds);
        }
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, "driver-tenant");
            ps.setLong(2, 1);
            ps.setInt(3, 5);
            ps.executeUpdate();
        }
        Jdbi jdbi = Jdbi.create(url);
        Integer amount = jdbi.withHandle(h -> h.createQuery("SELECT amount FROM orders WHERE tenant_id = :t AND id = 1")
                .bind("t", "driver-tenant")
                .mapTo(Integer.class)
                .one());
        assertThat(amount).isEqualTo(5);
        ShardlineDriver.close(yaml);
    }

    @Test
    void driverUrl_missingFile_namesFile() {
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:shardline:/no/such/shardline.yaml"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("/no/such/shardline.yaml - file not found");
    }

    @Test
    void fromYaml_unreachableShard_failsNamingEndpointAndFix() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("shardline-dead-");
        Path yaml = dir.resolve("shardline.yaml");
        Files.writeString(
                yaml,
                "shards:\n  - name: shard-0\n    primary: " + cluster.primary(0).jdbcUrl()
                        + "\n  - name: shard-1\n    primary: jdbc:postgresql://127.0.0.1:" + deadPort + "/shardline\n");
        assertThatThrownBy(() -> ShardlineDataSource.fromYaml(yaml))
                .isInstanceOf(ShardlineRoutingException.class)
                .hasMessageStartingWith("shard-1/primary - cannot connect to jdbc:postgresql://127.0.0.1:" + deadPort)
                .hasMessageContaining("routing.startupCheck: warn");
        Files.writeString(yaml, Files.readString(yaml) + "routing:\n  startupCheck: warn\n");
        try (ShardlineDataSource ds = ShardlineDataSource.fromYaml(yaml);
                Connection c = ds.getConnection()) {
            assertThat(ds.health()).anySatisfy(s -> {
                assertThat(s.endpoint()).isEqualTo("shard-1/primary");
                assertThat(s.healthy()).isFalse();
            });
        }
    }

    @Test
    void fromYaml_badRoutingSection_namesKeyAndRule() throws Exception {
        Path yaml = RoutingFixture.yaml(cluster, "  readPolicy: nearest\n");
        assertThatThrownBy(() -> ShardlineDataSource.fromYaml(yaml))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageContaining("routing.readPolicy - expected one of [replica, primary], was 'nearest'");
        Path yaml2 = RoutingFixture.yaml(cluster, "  defaultShard: shard-9\n");
        assertThatThrownBy(() -> ShardlineDataSource.fromYaml(yaml2))
                .hasMessageContaining(
                        "routing.defaultShard - unknown shard 'shard-9'; known shards: [shard-0, shard-1]");
        Path yaml3 = RoutingFixture.yaml(cluster, "  analysisCacheSize: 5\n");
        assertThatThrownBy(() -> ShardlineDataSource.fromYaml(yaml3))
                .hasMessageContaining("routing.analysisCacheSize - must be between 16 and 10000000, was 5");
    }

    @Test
    void metrics_perShardAndRole_recorded() throws Exception {
        ShardlineConfig cfg = ShardlineConfig.fromYaml(RoutingFixture.yaml(cluster, ""));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ShardlineDataSource ds =
                ShardlineDataSource.create(cfg, RoutingSettings.from(cfg.section("routing")), registry)) {
            RoutingFixture.createSchema(ds);
            for (int i = 0; i < 20; i++) {
                try (Connection c = ds.getConnection();
                        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM orders WHERE tenant_id = ?")) {
                    ps.setString(1, "m" + i);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                    }
                }
            }
            long total = registry.find("shardline.statements").tag("outcome", "ok").timers().stream()
                    .mapToLong(t -> t.count())
                    .sum();
            assertThat(total).isGreaterThanOrEqualTo(20);
            assertThat(registry.find("shardline.breaker.state")
                            .tag("endpoint", "shard-0/primary")
                            .gauge())
                    .isNotNull();
            assertThat(registry.find("hikaricp.connections")
                            .tag("pool", "shard-1/replica-0")
                            .gauge())
                    .isNotNull();
        }
    }
}
