package dev.shardline.routing;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Shared set-up for routing integration tests: a shardline.yaml over the test cluster and direct shard queries. */
final class RoutingFixture {
    static final String TABLES = """
      tables:
        sharded:
          orders: tenant_id
          order_items: tenant_id
        broadcast: [currencies]
      buckets:
        count: 64
      pins:
        pinned-tenant: shard-1
      routing:
        healthCheckInterval: 50ms
        maxReplicaLag: 2s
        breaker: { minimumCalls: 3, waitInOpen: 1s }
      """;

    private RoutingFixture() {}

    static Path yaml(PgCluster cluster, String extra) {
        try {
            Path dir = Files.createTempDirectory("shardline-routing-");
            return cluster.writeShardlineYaml(dir.resolve("shardline.yaml"), TABLES + extra);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ShardlineDataSource dataSource(PgCluster cluster) {
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml(cluster, ""));
        return ShardlineDataSource.create(cfg, RoutingSettings.from(cfg.section("routing")), new SimpleMeterRegistry());
    }

    /**
     * A data source in {@code routing.isolation: rls} mode, connected as the ordinary role
     * {@code shardline_app} (no superuser, no BYPASSRLS) after the policies are installed on every
     * primary for the tables that exist there now.
     */
    static ShardlineDataSource rlsDataSource(PgCluster cluster) throws SQLException {
        Path yaml = yaml(cluster, "");
        ShardlineConfig plain = ShardlineConfig.fromYaml(yaml);
        for (PgNode p : cluster.primaries()) {
            p.execute(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shardline_app') THEN "
                            + "CREATE ROLE shardline_app LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$",
                    "GRANT ALL ON ALL TABLES IN SCHEMA public TO shardline_app",
                    "GRANT CREATE ON SCHEMA public TO shardline_app");
            try (Connection c = p.connect()) {
                RowLevelSecurity.install(c, plain.tables());
            }
        }
        try {
            Files.writeString(
                    yaml,
                    Files.readString(yaml)
                            .replace("username: postgres", "username: shardline_app")
                            .replace("routing:\n", "routing:\n  isolation: rls\n"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        return ShardlineDataSource.create(cfg, RoutingSettings.from(cfg.section("routing")), new SimpleMeterRegistry());
    }

    /** Creates the test schema through Shardline itself (DDL is broadcast to every shard). */
    static void createSchema(ShardlineDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE IF NOT EXISTS orders (tenant_id text NOT NULL, id bigint NOT NULL, amount int NOT NULL, "
                            + "status text NOT NULL DEFAULT 'new', PRIMARY KEY (tenant_id, id))");
            s.execute(
                    "CREATE TABLE IF NOT EXISTS order_items (tenant_id text NOT NULL, order_id bigint NOT NULL, sku text NOT NULL, "
                            + "PRIMARY KEY (tenant_id, order_id, sku))");
            s.execute("CREATE TABLE IF NOT EXISTS currencies (code text PRIMARY KEY, name text NOT NULL)");
        }
    }

    /** Returns the values of the first column of {@code sql} run directly on {@code node}. */
    static List<String> direct(PgNode node, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = node.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }
}
