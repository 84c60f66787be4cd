package dev.shardline.cdc.internal;

import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import dev.shardline.cdc.spi.Position;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An analytics store fed exactly once: each batch's rows and the shard's connector offset are
 * written in one transaction, and a replayed change at or before the shard's stored position is
 * skipped. Rows are keyed by {@link SourceTable#sinkKey()} and remember their source shard and LSN.
 *
 * <p>One connection, one writer: batches of different shards are applied one after another.
 */
public abstract class AnalyticsSink implements ChangeSink {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AnalyticsSink.class);

    private final AnalyticsSchema schema;
    private final Map<String, ChangeSink.StoredOffset> stored = new ConcurrentHashMap<>();
    protected Connection conn;

    private final boolean applyTruncates;

    /** Reads a captured table's definition as a shard's catalog has it now. */
    @FunctionalInterface
    public interface SchemaSource {
        SourceTable describe(String shard, String table);
    }

    AnalyticsSink(Map<String, SourceTable> tables, boolean applyTruncates) {
        this.schema = new AnalyticsSchema(this, tables);
        this.applyTruncates = applyTruncates;
    }

    /** Lets the sink follow ADD/DROP COLUMN and type widening of captured tables while it runs. */
    public void schemaSource(SchemaSource source) {
        schema.source(source);
    }

    /** Returns the captured tables as this sink has them now (it follows their schema changes). */
    protected Map<String, SourceTable> tables() {
        return schema.tables();
    }

    /** Returns the sink table's columns: name to type as the sink prints it (comparable with {@link #columnType}). */
    protected abstract Map<String, String> sinkColumns(String table) throws SQLException;

    /** Returns the statement that changes a column's type. */
    protected abstract String alterType(String table, String column, String sinkType);

    /** Called after the sink table of {@code table} changed shape (DuckDB rebuilds its staging table). */
    protected void tableChanged(SourceTable table) throws SQLException {}

    protected abstract Connection connect() throws SQLException;

    /** Returns the sink's column type for a PostgreSQL type as {@code format_type} prints it. */
    protected abstract String columnType(String pgType);

    /** Replaces the rows of {@code table} whose keys appear in {@code changes}: deletes, then inserts upserts. */
    protected abstract void write(SourceTable table, List<ChangeEvent> changes) throws SQLException;

    /** Runs before any table is created, on the open connection (the PostgreSQL sink applies the user's changelog). */
    protected void prepareStore() throws SQLException {}

    /** Whether analytics tables get a PRIMARY KEY on the sink key. */
    protected boolean primaryKeys() {
        return true;
    }

    @Override
    public synchronized void open() {
        try {
            conn = connect();
            conn.setAutoCommit(false);
            prepareStore();
            OffsetsTable.create(conn);
            DeadLetterTable.create(conn);
            try (Statement s = conn.createStatement()) {
                schema.createMissing(s);
            }
            conn.commit();
            schema.reconcile();
            loadOffsets();
        } catch (SQLException e) {
            throw new ShardlineCdcException(
                    "cdc sink " + name() + " - cannot open: " + e.getMessage()
                            + "; check the sink location is writable and used by no other process",
                    e);
        }
    }

    private void loadOffsets() throws SQLException {
        stored.putAll(OffsetsTable.read(conn));
        conn.commit();
    }

    /**
     * Stores a change sink {@code sink} could not apply, with its error, in {@value DeadLetterTable#NAME};
     * returns once it is committed.
     *
     * @throws ShardlineCdcException when the store cannot take it (the pipeline then keeps retrying)
     */
    public synchronized void deadLetter(String sink, ChangeEvent e, String error) {
        try {
            reconnectIfNeeded();
            DeadLetterTable.insert(conn, sink, e, error);
            conn.commit();
        } catch (SQLException ex) {
            rollbackQuietly();
            dropIfBroken();
            throw new ShardlineCdcException(
                    "cdc sink " + name() + " - cannot store a dead letter of " + e.shard() + ": " + ex.getMessage()
                            + "; the batch is retried",
                    ex);
        }
    }

    /** Rereads the stored offsets, which another sidecar may have moved while this one was a standby. */
    public synchronized void reloadOffsets() {
        try {
            reconnectIfNeeded();
            loadOffsets();
        } catch (SQLException e) {
            rollbackQuietly();
            dropIfBroken();
            throw new ShardlineCdcException(
                    "cdc sink " + name() + " - cannot reread offsets: " + e.getMessage()
                            + "; the engine resumes from the offsets read at start",
                    e);
        }
    }

    /**
     * Reopens the connection a failed batch found broken (the store restarted, the network dropped),
     * and rereads the offsets: the last commit before the break may or may not have landed.
     */
    private void reconnectIfNeeded() throws SQLException {
        if (conn != null) return;
        conn = connect();
        conn.setAutoCommit(false);
        loadOffsets();
        LOG.info("cdc sink {} - reconnected", name());
    }

    private void dropIfBroken() {
        if (conn == null) return;
        boolean valid;
        try {
            valid = conn.isValid(2);
        } catch (SQLException e) {
            valid = false;
        }
        if (!valid) {
            LOG.warn("cdc sink {} - connection lost; reconnecting on the next attempt", name());
            close();
        }
    }

    @Override
    public boolean storesOffsets() {
        return true;
    }

    @Override
    public Optional<StoredOffset> storedOffset(String shard) {
        return Optional.ofNullable(stored.get(shard));
    }

    @Override
    public synchronized void apply(ChangeBatch batch) {
        try {
            reconnectIfNeeded();
        } catch (SQLException e) {
            throw new ShardlineCdcException(
                    "cdc sink " + name() + " - cannot reconnect: " + e.getMessage() + "; the batch of " + batch.shard()
                            + " is retried with backoff until the store is back",
                    e);
        }
        StoredOffset prev = stored.get(batch.shard());
        Position watermark = prev == null ? Position.NONE : prev.position();
        Position next = watermark;
        Map<String, Map<List<String>, ChangeEvent>> latest = new LinkedHashMap<>();
        java.util.Set<String> truncated = new java.util.LinkedHashSet<>();
        int replayed = 0;
        for (ChangeEvent e : batch.events()) {
            if (!e.snapshot() && !e.position().isAfter(watermark)) {
                replayed++; // delivered again after a crash: already applied in an earlier transaction
                continue;
            }
            if (!e.snapshot() && e.position().isAfter(next)) next = e.position();
            if (e.op() == ChangeEvent.Op.TRUNCATE) {
                if (!applyTruncates) continue;
                latest.remove(e.table()); // the truncate supersedes this batch's earlier changes of the table
                truncated.add(e.table());
                continue;
            }
            latest.computeIfAbsent(e.table(), k -> new LinkedHashMap<>()).merge(e.key(), e, AnalyticsSink::squash);
        }
        boolean offsetMoves =
                batch.snapshotOffset() ? watermark.equals(Position.NONE) : !watermark.isAfter(batch.offsetPosition());
        if (replayed > 0)
            LOG.info("{} {} - skipped {} replayed changes at or before {}", name(), batch.shard(), replayed, watermark);
        if (LOG.isDebugEnabled()) {
            LOG.debug(
                    "{} {} - {} of {} changes kept (watermark {}), offset moves {}",
                    name(),
                    batch.shard(),
                    latest.values().stream().mapToInt(Map::size).sum(),
                    batch.events().size(),
                    watermark,
                    offsetMoves);
        }
        if (latest.isEmpty() && truncated.isEmpty() && !offsetMoves) return;
        try {
            schema.followIfShapeDiffers(batch.shard(), latest);
            writeBatch(batch, latest, truncated, offsetMoves, next);
        } catch (SQLException e) {
            rollbackQuietly();
            // A failing cast can be a type widened at the source: follow the catalog, then try once more.
            if (conn != null && schema.followAll(batch.shard(), latest.keySet())) {
                try {
                    writeBatch(batch, latest, truncated, offsetMoves, next);
                    return;
                } catch (SQLException again) {
                    rollbackQuietly();
                    e = again;
                }
            }
            dropIfBroken();
            throw new ShardlineCdcException(
                    "cdc sink " + name() + " - batch of " + batch.shard() + " failed: " + e.getMessage()
                            + "; the batch is retried with backoff",
                    e);
        }
    }

    private void writeBatch(
            ChangeBatch batch,
            Map<String, Map<List<String>, ChangeEvent>> latest,
            java.util.Set<String> truncated,
            boolean offsetMoves,
            Position next)
            throws SQLException {
        for (String t : truncated) {
            // Only this shard's rows: a tenant moved to another shard keeps its rows there.
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM " + t + " WHERE _source_shard = ?")) {
                ps.setString(1, batch.shard());
                LOG.info(
                        "{} {} - TRUNCATE {}: removed {} rows of that shard",
                        name(),
                        batch.shard(),
                        t,
                        ps.executeUpdate());
            }
        }
        for (Map.Entry<String, Map<List<String>, ChangeEvent>> t : latest.entrySet()) {
            write(schema.table(t.getKey()), new ArrayList<>(t.getValue().values()));
        }
        if (offsetMoves) OffsetsTable.write(conn, batch.shard(), next, batch.offsetJson());
        conn.commit();
        if (offsetMoves) stored.put(batch.shard(), new StoredOffset(batch.offsetJson(), next));
    }

    /**
     * Removes {@code shard}'s rows and stored offset in one transaction, so that its next stream starts
     * with a snapshot that copies the shard again without duplicates ({@code cdc resnapshot}).
     */
    public synchronized void forget(String shard) {
        try {
            reconnectIfNeeded();
            OffsetsTable.delete(conn, shard);
            for (SourceTable t : schema.tables().values()) {
                try (PreparedStatement ps =
                        conn.prepareStatement("DELETE FROM " + t.name() + " WHERE _source_shard = ?")) {
                    ps.setString(1, shard);
                    LOG.info(
                            "cdc sink {} - removed {} rows of {} from {}", name(), ps.executeUpdate(), shard, t.name());
                }
            }
            conn.commit();
            stored.remove(shard);
        } catch (SQLException e) {
            rollbackQuietly();
            throw new ShardlineCdcException(
                    "cdc sink " + name() + " - cannot remove the rows of " + shard + ": " + e.getMessage()
                            + "; check the analytics store is reachable and no sidecar is running, then retry",
                    e);
        }
    }

    /**
     * Returns the change that stands for {@code earlier} then {@code later} of one key: the later one,
     * with the values of its unchanged (unlogged TOAST) columns taken from an earlier upsert, which
     * the sink has not stored yet.
     */
    static ChangeEvent squash(ChangeEvent earlier, ChangeEvent later) {
        if (later.unchangedColumns().isEmpty()
                || later.op() != ChangeEvent.Op.UPSERT
                || earlier.op() != ChangeEvent.Op.UPSERT) return later;
        Map<String, String> row = new LinkedHashMap<>(later.row());
        java.util.Set<String> unchanged = new java.util.HashSet<>();
        for (String c : later.unchangedColumns()) {
            if (earlier.row().containsKey(c)) row.put(c, earlier.row().get(c));
            else unchanged.add(c);
        }
        return new ChangeEvent(
                later.shard(),
                later.table(),
                later.op(),
                row,
                later.keyColumns(),
                later.position(),
                later.snapshot(),
                later.sourceMillis(),
                unchanged);
    }

    void rollbackQuietly() {
        if (conn == null) return;
        try {
            conn.rollback();
        } catch (SQLException ignored) {
            // the connection is reopened by the retry if it is broken
        }
    }

    @Override
    public synchronized void close() {
        if (conn == null) return;
        try {
            conn.close();
        } catch (SQLException e) {
            // closing a sink at shutdown: nothing left to save
        }
        conn = null;
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
