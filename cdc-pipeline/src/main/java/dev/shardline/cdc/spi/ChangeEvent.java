package dev.shardline.cdc.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One row change read from a shard's commit log, with column values rendered as text in the form
 * PostgreSQL prints them (so any SQL sink can cast them back).
 *
 * @param shard the shard whose primary produced the change
 * @param table the source table, unqualified and lower-case
 * @param op what happened to the row
 * @param row the row after the change; for a delete, what the source logged of the row before it
 * @param keyColumns the columns that identify the row in a sink (tenant column first for sharded tables)
 * @param position where the change sits in the shard's stream
 * @param snapshot true for rows read by the initial snapshot rather than from the commit log
 * @param sourceMillis the commit time at the source, for lag measurement
 */
public record ChangeEvent(
    String shard,
    String table,
    Op op,
    Map<String, String> row,
    List<String> keyColumns,
    Position position,
    boolean snapshot,
    long sourceMillis) {
  /** The kind of change. */
  public enum Op {
    UPSERT,
    DELETE
  }

  public ChangeEvent {
    Objects.requireNonNull(shard, "shard");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(row, "row");
    keyColumns = List.copyOf(keyColumns);
    Objects.requireNonNull(position, "position");
  }

  /** Returns the values of {@link #keyColumns()} in order, identifying the row within its table. */
  public List<String> key() {
    return keyColumns.stream().map(row::get).toList();
  }
}
