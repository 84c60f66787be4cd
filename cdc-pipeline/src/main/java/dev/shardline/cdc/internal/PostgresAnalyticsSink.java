package dev.shardline.cdc.internal;

import dev.shardline.cdc.CdcConfig;
import dev.shardline.cdc.spi.ChangeEvent;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Analytics sink on a PostgreSQL database: batched {@code INSERT ... ON CONFLICT DO UPDATE} for
 * upserts and keyed deletes, in the same transaction as the shard's offset. Column types are the
 * source's own.
 */
public final class PostgresAnalyticsSink extends AnalyticsSink {
    private final CdcConfig.PostgresSink target;

    public PostgresAnalyticsSink(
            CdcConfig.PostgresSink target, Map<String, SourceTable> tables, boolean applyTruncates) {
        super(tables, applyTruncates);
        this.target = target;
    }

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    protected Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", target.username());
        p.setProperty("password", target.password());
        p.setProperty("reWriteBatchedInserts", "true");
        p.setProperty("ApplicationName", "shardline-cdc-sink");
        // A store that went away must fail the batch (then retried on a new connection), not hang it.
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "120");
        p.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(target.url(), p);
    }

    /**
     * Applies the user's analytics changelog ({@code cdc.sinks.postgres.changelog}) before any table is
     * derived, then serialises the table creation of sidecars that open the store at the same moment
     * (an active one and its standby): concurrent {@code CREATE TABLE IF NOT EXISTS} of one name can
     * fail in PostgreSQL. The lock ends with the transaction that creates the tables.
     */
    @Override
    protected void prepareStore() throws SQLException {
        AnalyticsChangelog.apply(target);
        try (java.sql.Statement s = conn.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(hashtext('shardline_cdc_tables'))");
        }
    }

    @Override
    protected String columnType(String pgType) {
        return pgType;
    }

    @Override
    protected Map<String, String> sinkColumns(String table) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps =
                conn.prepareStatement("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                        + "WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            ps.setString(1, table);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    @Override
    protected String alterType(String table, String column, String sinkType) {
        return "ALTER TABLE " + table + " ALTER COLUMN " + quote(column) + " TYPE " + sinkType + " USING "
                + quote(column) + "::" + sinkType;
    }

    @Override
    protected void write(SourceTable table, List<ChangeEvent> changes) throws SQLException {
        List<String> cols = new ArrayList<>(table.columns().keySet());
        List<String> key = table.sinkKey();
        StringBuilder where = new StringBuilder();
        for (String k : key)
            where.append(quote(k))
                    .append(" = CAST(? AS ")
                    .append(table.columns().get(k))
                    .append(") AND ");
        // A delete from a shard that no longer owns the row (tenant moved away) must not remove it.
        String delete = "DELETE FROM " + table.name() + " WHERE " + where + "_source_shard = ?";
        // Upserts grouped by the columns they leave unchanged (unlogged TOAST values): those keep the
        // stored value, so each group has its own SET list. Almost every batch has one group.
        Map<Set<String>, List<ChangeEvent>> upserts = new LinkedHashMap<>();
        try (PreparedStatement del = conn.prepareStatement(delete)) {
            int dels = 0;
            for (ChangeEvent e : changes) {
                if (e.op() == ChangeEvent.Op.DELETE) {
                    int i = 1;
                    for (String k : key) del.setString(i++, e.row().get(k));
                    del.setString(i, e.shard());
                    del.addBatch();
                    dels++;
                } else {
                    upserts.computeIfAbsent(e.unchangedColumns(), k -> new ArrayList<>())
                            .add(e);
                }
            }
            if (dels > 0) del.executeBatch();
        }
        for (Map.Entry<Set<String>, List<ChangeEvent>> group : upserts.entrySet()) {
            try (PreparedStatement ins = conn.prepareStatement(upsertSql(table, cols, key, group.getKey()))) {
                for (ChangeEvent e : group.getValue()) {
                    int i = 1;
                    for (String c : cols) ins.setString(i++, e.row().get(c));
                    ins.setString(i++, e.shard());
                    ins.setLong(i, e.position().lsn());
                    ins.addBatch();
                }
                ins.executeBatch();
            }
        }
    }

    private static String upsertSql(SourceTable table, List<String> cols, List<String> key, Set<String> unchanged) {
        StringBuilder insert = new StringBuilder("INSERT INTO " + table.name() + " (");
        StringBuilder values = new StringBuilder(") VALUES (");
        StringBuilder update = new StringBuilder(" DO UPDATE SET ");
        for (String c : cols) {
            insert.append(quote(c)).append(", ");
            values.append("CAST(? AS ").append(table.columns().get(c)).append("), ");
            if (!unchanged.contains(c))
                update.append(quote(c)).append(" = EXCLUDED.").append(quote(c)).append(", ");
        }
        return insert.append("_source_shard, _source_lsn")
                .append(values)
                .append("?, ?) ON CONFLICT (")
                .append(String.join(", ", key.stream().map(AnalyticsSink::quote).toList()))
                .append(")")
                .append(update)
                .append("_source_shard = EXCLUDED._source_shard, _source_lsn = EXCLUDED._source_lsn")
                .toString();
    }
}
