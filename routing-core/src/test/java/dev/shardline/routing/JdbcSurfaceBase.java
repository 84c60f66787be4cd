package dev.shardline.routing;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the JDBC-surface ITs share: two DataSources over the test cluster (one with a single
 * connection per endpoint and a password in its URLs, so reuse and redaction become visible), the
 * tables they use, and direct pgJDBC connections to compare with.
 */
abstract class JdbcSurfaceBase {
    static final String TABLES = """
      tables:
        sharded:
          jdbc_orders: tenant_id
          jdbc_items: tenant_id
          jdbc_serial: tenant_id
          jdbc_big: tenant_id
      buckets:
        count: 64
      routing:
        trustedFunctions: [jdbc_notice]
      """;

    final PgCluster cluster;
    final String run = UUID.randomUUID().toString().substring(0, 8);
    ShardlineDataSource ds;
    /** One physical connection per endpoint and a password in the URLs: reuse and redaction become visible. */
    ShardlineDataSource single;

    final ExecutorService pool = Executors.newCachedThreadPool();

    JdbcSurfaceBase(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws Exception {
        ds = dataSource(false);
        single = dataSource(true);
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE IF NOT EXISTS jdbc_orders (tenant_id text NOT NULL, id bigint NOT NULL, amount int NOT NULL, "
                            + "note text, PRIMARY KEY (tenant_id, id))");
            s.execute(
                    "CREATE TABLE IF NOT EXISTS jdbc_items (tenant_id text NOT NULL, order_id bigint NOT NULL, sku text NOT NULL, "
                            + "PRIMARY KEY (tenant_id, order_id, sku), FOREIGN KEY (tenant_id, order_id) REFERENCES jdbc_orders (tenant_id, id))");
            s.execute(
                    "CREATE TABLE IF NOT EXISTS jdbc_serial (tenant_id text NOT NULL, id bigserial, name text NOT NULL, "
                            + "PRIMARY KEY (tenant_id, id))");
            s.execute(
                    "CREATE TABLE IF NOT EXISTS jdbc_big (tenant_id text NOT NULL, n int NOT NULL, pad text NOT NULL)");
            s.execute("CREATE OR REPLACE FUNCTION jdbc_notice(msg text) RETURNS int LANGUAGE plpgsql AS "
                    + "$$ BEGIN RAISE NOTICE 'jdbc-notice %', msg; RETURN 1; END $$");
        }
    }

    @AfterAll
    void tearDown() {
        pool.shutdownNow();
        ds.close();
        single.close();
    }

    private ShardlineDataSource dataSource(boolean singleConnection) throws IOException {
        Path dir = Files.createTempDirectory("shardline-jdbc-");
        Path yaml = cluster.writeShardlineYaml(dir.resolve("shardline.yaml"), TABLES);
        if (singleConnection) {
            String text = Files.readString(yaml)
                    .replace("maxSize: 8", "maxSize: 1")
                    .replaceAll("(primary: jdbc:postgresql://\\S+)", "$1?password=s3cret-jdbc");
            Files.writeString(yaml, text);
        }
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        return ShardlineDataSource.create(cfg, RoutingSettings.from(cfg.section("routing")), new SimpleMeterRegistry());
    }

    String tenantOn(int shard, String prefix) {
        for (int i = 0; ; i++) {
            String t = run + "-" + prefix + i;
            if (ds.config().buckets().shardIndexOf(t) == shard) return t;
        }
    }

    Connection direct() throws SQLException {
        return cluster.primary(0).connect();
    }

    static List<List<String>> rows(ResultSet rs, String... columns) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (String c : columns) row.add(rs.getString(c));
                out.add(row);
            }
        }
        return out;
    }

    static List<String> labels(ResultSetMetaData md) throws SQLException {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) out.add(md.getColumnLabel(i));
        return out;
    }

    static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    void awaitActive(int shard, String marker) throws Exception {
        for (int i = 0; i < 300; i++) {
            List<String> n = RoutingFixture.direct(
                    cluster.primary(shard),
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' " + "AND query LIKE '%" + marker
                            + "%' AND query NOT LIKE '%pg_stat_activity%'");
            if (!n.get(0).equals("0")) return;
            Thread.sleep(20);
        }
        throw new AssertionError("the statement marked " + marker + " never became active on shard-" + shard);
    }
}
