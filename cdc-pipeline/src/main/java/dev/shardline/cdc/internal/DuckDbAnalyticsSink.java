package dev.shardline.cdc.internal;

import dev.shardline.cdc.spi.ChangeEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Analytics sink on a DuckDB file. A batch is appended (Appender, the fast path) into a staging
 * table, then merged into the analytics table with one DELETE and one INSERT ... SELECT, in the
 * same transaction as the shard's offset. Fixed-width columns (integers, floats, booleans) are
 * staged typed; the others as text that the merge casts back to the column type.
 *
 * <p>The analytics tables carry no PRIMARY KEY: DuckDB checks unique constraints eagerly, so a
 * delete and re-insert of one key in one transaction could fail; the merge keeps keys unique.
 */
public final class DuckDbAnalyticsSink extends AnalyticsSink {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DuckDbAnalyticsSink.class);
    /**
     * Up to this many changes, rows are removed by key (a prepared DELETE per change) instead of one
     * DELETE … USING join with the staging table: on the dev machine a keyed delete took p50 0.6 ms
     * and the join p50 6 ms (a fixed hash-join cost, whatever the batch size), and single-row batches
     * are the steady state of a live stream.
     */
    static final int KEYED_DELETE_MAX = 8;

    private final Path file;
    private final int threads;

    public DuckDbAnalyticsSink(Path file, Map<String, SourceTable> tables) {
        this(file, tables, true, 1);
    }

    /**
     * With {@code applyTruncates} false a TRUNCATE leaves the analytics rows in place; {@code threads}
     * is DuckDB's worker count for this file (writer and readers alike).
     */
    public DuckDbAnalyticsSink(Path file, Map<String, SourceTable> tables, boolean applyTruncates, int threads) {
        super(tables, applyTruncates);
        this.file = file;
        this.threads = threads;
    }

    @Override
    public String name() {
        return "duckdb";
    }

    @Override
    protected Connection connect() throws SQLException {
        try {
            if (file.toAbsolutePath().getParent() != null)
                Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new SQLException("cannot create the directory of " + file + ": " + e.getMessage(), e);
        }
        Connection c = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath());
        try (Statement s = c.createStatement()) {
            // Batch merges are small joins: with DuckDB's default (one worker per core) they cost the
            // machine 1.6x the CPU for no gain in time on two cores (measured, docs/PERFORMANCE.md).
            s.execute("SET threads TO " + threads);
            for (SourceTable t : tables().values()) s.execute(createStage(t));
        }
        return c;
    }

    /** The staging table holds one batch; it is rebuilt whenever the table's columns change. */
    private String createStage(SourceTable t) {
        StringBuilder sql = new StringBuilder(
                "CREATE OR REPLACE TABLE " + stage(t) + " (_op VARCHAR, _source_shard VARCHAR, _source_lsn BIGINT");
        for (Map.Entry<String, String> col : t.columns().entrySet()) {
            StagedType staged = StagedType.of(col.getValue());
            sql.append(", ").append(quote(col.getKey())).append(' ').append(staged == null ? "VARCHAR" : staged.name());
        }
        return sql.append(")").toString();
    }

    /**
     * Column types staged as themselves: fixed width, so PostgreSQL never TOASTs them (the staging
     * table's unchanged-value marker is text) and their text from Java parses back exactly.
     */
    enum StagedType {
        SMALLINT,
        INTEGER,
        BIGINT,
        REAL,
        DOUBLE,
        BOOLEAN;

        /** Returns how a column of PostgreSQL type {@code pgType} is staged; null: as text. */
        static StagedType of(String pgType) {
            return switch (pgType.toLowerCase(Locale.ROOT)) {
                case "smallint" -> SMALLINT;
                case "integer" -> INTEGER;
                case "bigint" -> BIGINT;
                case "real" -> REAL;
                case "double precision" -> DOUBLE;
                case "boolean" -> BOOLEAN;
                default -> null; // numeric too: it is variable width, can be TOASTed and holds values no double does
            };
        }

        void append(DuckDBAppender a, String v) throws SQLException {
            switch (this) {
                case SMALLINT -> a.append(Short.parseShort(v));
                case INTEGER -> a.append(Integer.parseInt(v));
                case BIGINT -> a.append(Long.parseLong(v));
                case REAL -> a.append(Float.parseFloat(v));
                case DOUBLE -> a.append(Double.parseDouble(v));
                case BOOLEAN -> a.append(parseBoolean(v));
            }
        }

        private static boolean parseBoolean(String v) {
            if (v.equals("true")) return true;
            if (v.equals("false")) return false;
            throw new NumberFormatException("not a boolean: '" + v + "'");
        }
    }

    @Override
    protected void tableChanged(SourceTable table) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute(createStage(table));
        }
    }

    @Override
    protected Map<String, String> sinkColumns(String table) throws SQLException {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        try (java.sql.PreparedStatement ps =
                conn.prepareStatement("SELECT column_name, data_type FROM information_schema.columns "
                        + "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position")) {
            ps.setString(1, table);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(2);
                    out.put(
                            rs.getString(1),
                            switch (type) {
                                case "TIMESTAMP WITH TIME ZONE" -> "TIMESTAMPTZ";
                                case "FLOAT" -> "REAL";
                                default -> type;
                            });
                }
            }
        }
        return out;
    }

    @Override
    protected String alterType(String table, String column, String sinkType) {
        return "ALTER TABLE " + table + " ALTER COLUMN " + quote(column) + " SET DATA TYPE " + sinkType;
    }

    /** Returns a new connection to the same DuckDB instance, for reading while the sink writes. */
    public synchronized Connection openReader() throws SQLException {
        if (conn == null) throw new SQLException("the duckdb sink is not open");
        Connection reader = conn.unwrap(DuckDBConnection.class).duplicate();
        reader.setAutoCommit(
                true); // a duplicate inherits the writer's manual commit and would read one old snapshot forever
        return reader;
    }

    @Override
    protected boolean primaryKeys() {
        return false;
    }

    @Override
    protected String columnType(String pgType) {
        String t = pgType.toLowerCase(Locale.ROOT);
        if (t.startsWith("numeric(")) return "DECIMAL" + t.substring("numeric".length());
        if (t.startsWith("character varying") || t.startsWith("character(")) return "VARCHAR";
        if (t.startsWith("timestamp") && t.contains("with time zone") && !t.contains("without")) return "TIMESTAMPTZ";
        if (t.startsWith("timestamp")) return "TIMESTAMP";
        return switch (t) {
            case "smallint" -> "SMALLINT";
            case "integer" -> "INTEGER";
            case "bigint" -> "BIGINT";
            case "real" -> "REAL";
            case "double precision", "numeric" -> "DOUBLE";
            case "boolean" -> "BOOLEAN";
            case "date" -> "DATE";
            case "uuid" -> "UUID";
            case "bytea" -> "BLOB";
            default -> "VARCHAR";
        };
    }

    @Override
    protected void write(SourceTable table, List<ChangeEvent> changes) throws SQLException {
        String stage = stage(table);
        try (Statement s = conn.createStatement()) {
            s.execute("DELETE FROM " + stage);
        }
        List<String> cols = new ArrayList<>(table.columns().keySet());
        StagedType[] staged = new StagedType[cols.size()];
        for (int i = 0; i < staged.length; i++)
            staged[i] = StagedType.of(table.columns().get(cols.get(i)));
        try (DuckDBAppender a = conn.unwrap(DuckDBConnection.class).createAppender("main", stage)) {
            for (ChangeEvent e : changes) {
                a.beginRow();
                a.append(e.op() == ChangeEvent.Op.DELETE ? "d" : "u");
                a.append(e.shard());
                a.append(e.position().lsn());
                for (int i = 0; i < staged.length; i++) {
                    String c = cols.get(i);
                    boolean unchanged = !e.unchangedColumns().isEmpty()
                            && e.unchangedColumns().contains(c);
                    String v = unchanged ? RecordConverter.UNAVAILABLE : e.row().get(c);
                    if (v == null) {
                        a.appendNull();
                    } else if (staged[i] == null) {
                        a.append(v);
                    } else if (unchanged) {
                        // A fixed-width value is never TOASTed: a marker here means the source is not what we think.
                        throw new SQLException("column " + c + " of " + table.name() + " (" + staged[i]
                                + ") came without its value; the table's definition is read again");
                    } else {
                        try {
                            staged[i].append(a, v);
                        } catch (NumberFormatException bad) {
                            // As a failed cast would: the caller reads the table's definition again (a widened
                            // type) and retries once, then backs off.
                            throw new SQLException(
                                    "value '" + v + "' of " + table.name() + "." + c + " is not a " + staged[i], bad);
                        }
                    }
                }
                a.endRow();
            }
        }
        StringBuilder match = new StringBuilder();
        for (String k : table.sinkKey()) {
            if (match.length() > 0) match.append(" AND ");
            match.append("t.")
                    .append(quote(k))
                    .append(" = ")
                    .append(cast("s." + quote(k), table.columns().get(k)));
        }
        fillUnchanged(table, changes, stage, match.toString());
        StringBuilder insert = new StringBuilder("INSERT INTO " + table.name() + " (");
        StringBuilder select = new StringBuilder(" SELECT ");
        for (String c : cols) {
            insert.append(quote(c)).append(", ");
            select.append(cast("s." + quote(c), table.columns().get(c))).append(", ");
        }
        insert.append("_source_shard, _source_lsn)");
        select.append("s._source_shard, s._source_lsn FROM ").append(stage).append(" s WHERE s._op = 'u'");
        // A delete from a shard that no longer owns the row (tenant moved away) must not remove it.
        if (changes.size() <= KEYED_DELETE_MAX) {
            deleteByKey(table, changes);
        } else {
            try (Statement s = conn.createStatement()) {
                s.execute("DELETE FROM " + table.name() + " t USING " + stage + " s WHERE " + match
                        + " AND (s._op = 'u' OR t._source_shard = s._source_shard)");
            }
        }
        try (Statement s = conn.createStatement()) {
            s.execute(insert.append(select).toString());
        }
    }

    /** The DELETE … USING of {@link #write} for a few changes: an upsert removes the key's row, a delete only this shard's. */
    private void deleteByKey(SourceTable table, List<ChangeEvent> changes) throws SQLException {
        StringBuilder where = new StringBuilder();
        for (String k : table.sinkKey()) {
            where.append(quote(k))
                    .append(" = ")
                    .append(cast("?", table.columns().get(k)))
                    .append(" AND ");
        }
        String sql = "DELETE FROM " + table.name() + " WHERE " + where + "(? = 'u' OR _source_shard = ?)";
        try (java.sql.PreparedStatement ps = conn.prepareStatement(sql)) {
            for (ChangeEvent e : changes) {
                int i = 1;
                for (String k : table.sinkKey()) ps.setString(i++, e.row().get(k));
                ps.setString(i++, e.op() == ChangeEvent.Op.DELETE ? "d" : "u");
                ps.setString(i, e.shard());
                ps.executeUpdate();
            }
        }
    }

    /**
     * Replaces the marker of unchanged (unlogged TOAST) values in the staging table by the value the
     * analytics row holds, before the merge deletes that row.
     */
    private void fillUnchanged(SourceTable table, List<ChangeEvent> changes, String stage, String match)
            throws SQLException {
        java.util.Set<String> unchanged = new java.util.LinkedHashSet<>();
        for (ChangeEvent e : changes) unchanged.addAll(e.unchangedColumns());
        if (unchanged.isEmpty()) return;
        try (Statement s = conn.createStatement()) {
            for (String c : unchanged) {
                String col = quote(c);
                s.execute("UPDATE " + stage + " s SET " + col + " = CAST(t." + col + " AS VARCHAR) FROM " + table.name()
                        + " t WHERE " + match + " AND s._op = 'u' AND s." + col + " = '" + RecordConverter.UNAVAILABLE
                        + "'");
                int lost = s.executeUpdate("UPDATE " + stage + " SET " + col + " = NULL WHERE " + col + " = '"
                        + RecordConverter.UNAVAILABLE + "'");
                if (lost > 0) {
                    LOG.warn(
                            "cdc sink duckdb - {} rows of {} changed without a logged {} and none stored yet: stored as NULL; "
                                    + "set REPLICA IDENTITY FULL on {} to log it",
                            lost,
                            table.name(),
                            c,
                            table.name());
                }
            }
        }
    }

    private String cast(String expr, String pgType) {
        return "CAST(" + expr + " AS " + columnType(pgType) + ")";
    }

    private static String stage(SourceTable t) {
        return "_shardline_stage_" + t.name();
    }
}
