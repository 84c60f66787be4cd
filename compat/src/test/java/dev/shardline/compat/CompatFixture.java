package dev.shardline.compat;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The schema every compat test shares and a {@code jdbc:shardline:} URL over the test cluster: the
 * consumers under test get nothing but that URL (or the DataSource it names), as an application would.
 */
final class CompatFixture {
    static final String TABLES = """
      tables:
        sharded:
          accounts: tenant_id
          notes: tenant_id
          events: tenant_id
        # Migration tools' own tables hold the schema's history: a full copy on every shard.
        broadcast: [currencies, databasechangelog, databasechangeloglock, flyway_schema_history]
      buckets:
        count: 64
      routing:
        healthCheckInterval: 100ms
      """;

    static final String DDL = """
      CREATE TABLE IF NOT EXISTS accounts (tenant_id text NOT NULL, id bigint NOT NULL, name varchar(100) NOT NULL,
        balance bigint NOT NULL, version integer NOT NULL, PRIMARY KEY (tenant_id, id));
      CREATE TABLE IF NOT EXISTS notes (tenant_id text NOT NULL, id bigint NOT NULL, account_id bigint NOT NULL,
        body varchar(200) NOT NULL, PRIMARY KEY (tenant_id, id));
      CREATE TABLE IF NOT EXISTS events (tenant_id text NOT NULL, id bigint NOT NULL, kind text NOT NULL,
        PRIMARY KEY (tenant_id, id));
      CREATE TABLE IF NOT EXISTS currencies (code varchar(3) PRIMARY KEY, name text NOT NULL)
      """;

    private CompatFixture() {}

    /** Writes a shardline.yaml over {@code cluster} and returns the {@code jdbc:shardline:} URL naming it. */
    static String url(PgCluster cluster) {
        try {
            Path dir = Files.createTempDirectory("shardline-compat-");
            Path yaml = cluster.writeShardlineYaml(dir.resolve("shardline.yaml"), TABLES);
            return "jdbc:shardline:" + yaml;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates the schema through Shardline (DDL runs on every shard), one statement at a time. */
    static void createSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String ddl : DDL.split(";")) s.execute(ddl.strip());
        }
    }

    /** Returns the first column of {@code sql} run directly on {@code node}, bypassing Shardline. */
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
