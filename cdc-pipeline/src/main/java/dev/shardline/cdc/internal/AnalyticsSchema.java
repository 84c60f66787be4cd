package dev.shardline.cdc.internal;

import dev.shardline.cdc.spi.ChangeEvent;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shape of one analytics sink's tables and how it follows the captured tables: creates them,
 * brings existing ones up to the source at start, and applies ADD COLUMN, DROP COLUMN and type
 * widening while the sink runs. The sink's own SQL dialect comes from the {@link AnalyticsSink}
 * it belongs to; statements run on that sink's connection, in its transaction.
 */
final class AnalyticsSchema {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsSchema.class);
    /** Catalog reads per table at most this often: events older than an ADD COLUMN differ from the new shape too. */
    private static final long CHECK_EVERY_NANOS = 2_000_000_000L;

    private final AnalyticsSink sink;
    private final Map<String, SourceTable> tables;
    private final Map<String, Long> lastCheck = new HashMap<>();
    private volatile AnalyticsSink.SchemaSource source;

    AnalyticsSchema(AnalyticsSink sink, Map<String, SourceTable> tables) {
        this.sink = sink;
        this.tables = new LinkedHashMap<>(tables); // this sink's own view: it follows schema changes by itself
    }

    void source(AnalyticsSink.SchemaSource source) {
        this.source = source;
    }

    /** Returns the tables as this sink has them now. */
    Map<String, SourceTable> tables() {
        return tables;
    }

    SourceTable table(String name) {
        return tables.get(name);
    }

    /** Creates the sink tables that are missing (the caller commits). */
    void createMissing(Statement s) throws SQLException {
        for (SourceTable t : tables.values()) s.execute(createTable(t));
    }

    /**
     * Brings existing sink tables up to the source's shape after changes made while the sidecar was
     * down: adds missing columns and widens types. Extra sink columns stay (they may be the user's
     * own, from the analytics changelog). Commits.
     */
    void reconcile() throws SQLException {
        for (SourceTable t : tables.values()) {
            Map<String, String> have = sink.sinkColumns(t.name());
            List<String> done = new ArrayList<>();
            try (Statement s = sink.conn.createStatement()) {
                for (Map.Entry<String, String> c : t.columns().entrySet()) {
                    String want = sink.columnType(c.getValue());
                    String got = have.get(c.getKey());
                    if (got == null) {
                        s.execute("ALTER TABLE " + t.name() + " ADD COLUMN " + AnalyticsSink.quote(c.getKey()) + " "
                                + want);
                        done.add("added " + c.getKey());
                    } else if (SchemaEvolution.isWidening(got, want)) {
                        s.execute(sink.alterType(t.name(), c.getKey(), want));
                        done.add(c.getKey() + " " + got + " -> " + want);
                    }
                }
            }
            sink.tableChanged(t);
            sink.conn.commit();
            if (!done.isEmpty()) LOG.info("cdc sink {} - table {} follows the source: {}", sink.name(), t.name(), done);
        }
    }

    /**
     * Follows the catalog for each table whose upserts in {@code changes} carry another shape than
     * the sink table (at most every 2 s per table). A catalog out of reach is logged: the batch is
     * written with the known shape and new columns wait for the next check.
     */
    void followIfShapeDiffers(String shard, Map<String, ? extends Map<?, ChangeEvent>> changes) throws SQLException {
        for (Map.Entry<String, ? extends Map<?, ChangeEvent>> t : changes.entrySet()) {
            Long last = lastCheck.get(t.getKey());
            if ((last == null || System.nanoTime() - last > CHECK_EVERY_NANOS)
                    && shapeDiffers(t.getKey(), t.getValue().values())) {
                try {
                    follow(shard, t.getKey());
                } catch (RuntimeException e) {
                    LOG.warn("cdc sink {} - cannot read the schema of {}: {}", sink.name(), t.getKey(), e.getMessage());
                }
            }
        }
    }

    /** Follows the catalog for every table of {@code names}; returns whether any changed (false when the catalog is out of reach). */
    boolean followAll(String shard, Set<String> names) {
        boolean changed = false;
        try {
            for (String t : names) changed |= follow(shard, t);
        } catch (SQLException | RuntimeException e) {
            sink.rollbackQuietly();
            LOG.warn("cdc sink {} - cannot follow the schema of {}: {}", sink.name(), names, e.getMessage());
            return false;
        }
        return changed;
    }

    /**
     * Rereads {@code table} from {@code shard}'s catalog and, if it changed, applies the change to the
     * sink table (add, drop, widen) and commits it; returns whether anything changed.
     */
    private boolean follow(String shard, String table) throws SQLException {
        AnalyticsSink.SchemaSource src = source;
        if (src == null) return false;
        lastCheck.put(table, System.nanoTime());
        SourceTable old = tables.get(table);
        SourceTable now = src.describe(shard, table);
        if (now.columns().equals(old.columns())) return false;
        List<String> done = new ArrayList<>();
        try (Statement s = sink.conn.createStatement()) {
            for (Map.Entry<String, String> c : now.columns().entrySet()) {
                String was = old.columns().get(c.getKey());
                if (was == null) {
                    s.execute("ALTER TABLE " + table + " ADD COLUMN " + AnalyticsSink.quote(c.getKey()) + " "
                            + sink.columnType(c.getValue()));
                    done.add("added " + c.getKey());
                } else if (!was.equals(c.getValue()) && !sink.columnType(was).equals(sink.columnType(c.getValue()))) {
                    s.execute(sink.alterType(table, c.getKey(), sink.columnType(c.getValue())));
                    done.add(c.getKey() + " " + was + " -> " + c.getValue());
                }
            }
            for (String c : old.columns().keySet()) {
                if (!now.columns().containsKey(c)) {
                    s.execute("ALTER TABLE " + table + " DROP COLUMN " + AnalyticsSink.quote(c));
                    done.add("dropped " + c);
                }
            }
        }
        tables.put(table, now);
        sink.tableChanged(now);
        sink.conn.commit();
        // DDL tends to come in runs (add, widen, drop within seconds): after a change, the next batch of
        // another shape looks again at once, or a DROP right after an ADD waited for a change 2 s later.
        lastCheck.remove(table);
        LOG.info("cdc sink {} - table {} follows the source ({}): {}", sink.name(), table, shard, done);
        return true;
    }

    /** True when some upsert of {@code changes} carries other columns than the sink table has: a schema change, or an old event. */
    private boolean shapeDiffers(String table, Collection<ChangeEvent> changes) {
        Set<String> cols = tables.get(table).columns().keySet();
        for (ChangeEvent e : changes) {
            if (e.op() != ChangeEvent.Op.UPSERT) continue;
            if (e.row().size() + e.unchangedColumns().size() != cols.size()
                    || !cols.containsAll(e.row().keySet())) return true;
        }
        return false;
    }

    private String createTable(SourceTable t) {
        StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS " + t.name() + " (");
        t.columns()
                .forEach((c, type) -> sql.append(AnalyticsSink.quote(c))
                        .append(' ')
                        .append(sink.columnType(type))
                        .append(", "));
        sql.append("_source_shard VARCHAR NOT NULL, _source_lsn BIGINT NOT NULL");
        if (sink.primaryKeys()) {
            sql.append(", PRIMARY KEY (")
                    .append(String.join(
                            ", ", t.sinkKey().stream().map(AnalyticsSink::quote).toList()))
                    .append(")");
        }
        return sql.append(")").toString();
    }
}
