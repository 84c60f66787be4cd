package dev.shardline.cdc.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One row change read from a shard's commit log, with column values rendered as text in the form
 * PostgreSQL prints them (so any SQL sink can cast them back).
 *
 * @param shard the shard whose primary produced the change
 * @param table the source table, unqualified and lower-case
 * @param op what happened to the row
 * @param row the row after the change; for a delete, what the source logged of the row before it.
 *     Columns in {@code unchangedColumns} are absent: never a placeholder
 * @param keyColumns the columns that identify the row in a sink (tenant column first for sharded tables)
 * @param position where the change sits in the shard's stream
 * @param snapshot true for rows read by the initial snapshot rather than from the commit log
 * @param sourceMillis the commit time at the source, for lag measurement
 * @param unchangedColumns columns an UPDATE left alone whose values PostgreSQL did not log (large
 *     out-of-line TOAST values, REPLICA IDENTITY not FULL): a sink keeps its current value for them
 */
public record ChangeEvent(
        String shard,
        String table,
        Op op,
        Map<String, String> row,
        List<String> keyColumns,
        Position position,
        boolean snapshot,
        long sourceMillis,
        Set<String> unchangedColumns) {
    /** The kind of change. */
    public enum Op {
        UPSERT,
        DELETE,
        /** The table was truncated on {@link #shard()}: {@link #row()} and {@link #keyColumns()} are empty. */
        TRUNCATE
    }

    public ChangeEvent {
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(row, "row");
        keyColumns = List.copyOf(keyColumns);
        Objects.requireNonNull(position, "position");
        unchangedColumns = Set.copyOf(unchangedColumns);
    }

    /** Creates an event whose row carries every column. */
    public ChangeEvent(
            String shard,
            String table,
            Op op,
            Map<String, String> row,
            List<String> keyColumns,
            Position position,
            boolean snapshot,
            long sourceMillis) {
        this(shard, table, op, row, keyColumns, position, snapshot, sourceMillis, Set.of());
    }

    /** Returns the values of {@link #keyColumns()} in order, identifying the row within its table. */
    public List<String> key() {
        return keyColumns.stream().map(row::get).toList();
    }
}
