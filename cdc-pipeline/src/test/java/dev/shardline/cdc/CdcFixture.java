package dev.shardline.cdc;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Source schema, shardline.yaml and row comparison shared by the CDC integration tests. */
final class CdcFixture {
    static final String ORDERS_COLUMNS = "tenant_id, id, amount, note, version";

    private CdcFixture() {}

    /** Creates the captured tables on every primary (idempotent) and an analytics database on the first. */
    static void createSchema(PgCluster cluster) {
        cluster.executeOnPrimaries(
                "CREATE TABLE IF NOT EXISTS orders (tenant_id bigint NOT NULL, id bigint NOT NULL, amount numeric(12,2), "
                        + "note text, version int NOT NULL DEFAULT 1, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id))",
                "CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, name text)",
                "ALTER TABLE customers REPLICA IDENTITY FULL",
                "CREATE TABLE IF NOT EXISTS countries (code text PRIMARY KEY, name text NOT NULL)");
    }

    /** Creates the tables if needed and empties them: test classes may share one cluster. */
    static void resetSchema(PgCluster cluster) {
        createSchema(cluster);
        cluster.executeOnPrimaries("TRUNCATE orders, customers, countries");
    }

    static void createDatabase(PgNode node, String db) {
        try (Connection c = node.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + db + "'")) {
            rs.next();
            if (rs.getInt(1) == 0) s.execute("CREATE DATABASE " + db);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static String analyticsUrl(PgCluster cluster, String db) {
        PgNode p = cluster.primary(0);
        return "jdbc:postgresql://" + p.host() + ":" + p.port() + "/" + db;
    }

    /** Writes shardline.yaml with a cdc: section named {@code name}; {@code extraCdc} is appended inside cdc:. */
    static Path yaml(PgCluster cluster, Path dir, String name, String analyticsDb, String extraCdc) {
        String y = """
        tables:
          sharded: { orders: tenant_id, customers: tenant_id }
          broadcast: [countries]
        cdc:
          name: %s
          tables: [orders, customers, countries]
          heartbeat: 1s
          sinks:
            duckdb: { path: %s }
            postgres: { url: "%s", username: postgres }
        %s""".formatted(name, dir.resolve(name + ".duckdb"), analyticsUrl(cluster, analyticsDb), extraCdc);
        return cluster.writeShardlineYaml(dir.resolve("shardline.yaml"), y);
    }

    /**
     * Writes shardline.yaml for the {@code docs} table (tenant_id, id, n, body text, meta jsonb): large
     * values that PostgreSQL stores out of line (TOAST). The analytics database is {@code analyticsUrl}.
     */
    static Path docsYaml(PgCluster cluster, Path dir, String name, String analyticsUrl, String extraCdc) {
        return tableYaml(cluster, dir, name, analyticsUrl, "docs", extraCdc);
    }

    /** Writes shardline.yaml capturing the one sharded table {@code table} (tenant column tenant_id). */
    static Path tableYaml(
            PgCluster cluster, Path dir, String name, String analyticsUrl, String table, String extraCdc) {
        String y = """
        tables:
          sharded: { %s: tenant_id }
        cdc:
          name: %s
          tables: [%s]
          heartbeat: 1s
          sinks:
            duckdb: { path: %s }
            postgres: { url: "%s", username: postgres }
        %s""".formatted(table, name, table, dir.resolve(name + ".duckdb"), analyticsUrl, extraCdc);
        return cluster.writeShardlineYaml(dir.resolve("shardline.yaml"), y);
    }

    /** Creates (idempotent) and empties the {@code docs} table on every primary. */
    static void resetDocs(PgCluster cluster) {
        cluster.executeOnPrimaries(
                "CREATE TABLE IF NOT EXISTS docs (tenant_id bigint NOT NULL, id bigint NOT NULL, n int NOT NULL DEFAULT 0, "
                        + "body text, meta jsonb, PRIMARY KEY (tenant_id, id))",
                "TRUNCATE docs");
    }

    /** Returns {@code length} random letters and digits: text PostgreSQL cannot compress below its TOAST threshold. */
    static String randomText(java.util.Random rnd, int length) {
        String abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) b.append(abc.charAt(rnd.nextInt(abc.length())));
        return b.toString();
    }

    /** Returns every row of {@code sql} as "a|b|c" strings, sorted. */
    static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) b.append(i > 1 ? "|" : "").append(rs.getString(i));
                out.add(b.toString());
            }
        }
        Collections.sort(out);
        return out;
    }

    /** Returns the rows of {@code sql} over every primary (sharded tables), sorted. */
    static List<String> sourceRows(PgCluster cluster, String sql) throws SQLException {
        List<String> all = new ArrayList<>();
        for (PgNode p : cluster.primaries()) {
            try (Connection c = p.connect()) {
                all.addAll(rows(c, sql));
            }
        }
        Collections.sort(all);
        return all;
    }
}
