package dev.shardline.app;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The sample service's tables. Applied through Shardline, which runs DDL on declared tables on
 * every shard primary; the {@code tables:} section the service needs is {@link #TABLES_YAML}.
 */
public final class AppSchema {
    /** The {@code tables:} section of {@code shardline.yaml} for this schema. */
    public static final String TABLES_YAML = """
      tables:
        sharded:
          orders: tenant_id
          idempotency_keys: tenant_id
        broadcast: [products]
      """;

    private static final String[] DDL = {
        "CREATE TABLE IF NOT EXISTS orders (tenant_id text NOT NULL, id bigint NOT NULL, sku text NOT NULL, quantity int NOT NULL, "
                + "amount_cents bigint NOT NULL, status text NOT NULL DEFAULT 'new', created_at timestamptz NOT NULL DEFAULT now(), "
                + "PRIMARY KEY (tenant_id, id))",
        "CREATE TABLE IF NOT EXISTS idempotency_keys (tenant_id text NOT NULL, idem_key text NOT NULL, request_hash text NOT NULL, "
                + "status int NOT NULL, response text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, idem_key))",
        "CREATE TABLE IF NOT EXISTS products (sku text PRIMARY KEY, name text NOT NULL, price_cents bigint NOT NULL)"
    };

    private AppSchema() {}

    /**
     * Writes the schema as a Liquibase changelog (one changeset per statement) for the migrations
     * module, which applies it to every shard primary before the DataSource is built.
     */
    public static Path writeChangelog(Path file) throws java.io.IOException {
        StringBuilder y = new StringBuilder("databaseChangeLog:\n");
        for (int i = 0; i < DDL.length; i++) {
            y.append("  - changeSet:\n      id: app-")
                    .append(i + 1)
                    .append("\n      author: shardline-sample\n      changes:\n")
                    .append("        - sql:\n            sql: \"")
                    .append(DDL[i].replace("\"", "\\\""))
                    .append("\"\n");
        }
        return java.nio.file.Files.writeString(file, y.toString());
    }

    /** Creates the tables on every shard; safe to run again. */
    public static void apply(DataSource shardline) throws SQLException {
        try (Connection c = shardline.getConnection();
                Statement s = c.createStatement()) {
            for (String ddl : DDL) s.execute(ddl);
        }
    }
}
