package dev.shardline.cdc.internal;

import dev.shardline.cdc.CdcConfig;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.Position;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Analytics sink on a PostgreSQL database: batched {@code INSERT ... ON CONFLICT DO UPDATE} for
 * upserts and keyed deletes, in the same transaction as the shard's offset. Column types are the
 * source's own.
 */
public final class PostgresAnalyticsSink extends AnalyticsSink {
  private final CdcConfig.PostgresSink target;

  public PostgresAnalyticsSink(CdcConfig.PostgresSink target, Map<String, SourceTable> tables) {
    super(tables);
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
    return DriverManager.getConnection(target.url(), p);
  }

  /** Applies Shardline's changelog (offsets table) and the user's analytics changelog via the migrations module. */
  @Override
  protected void createOffsetsTable() throws SQLException {
    AnalyticsChangelog.apply(target);
  }

  @Override
  protected String columnType(String pgType) {
    return pgType;
  }

  @Override
  protected void write(SourceTable table, List<ChangeEvent> changes) throws SQLException {
    List<String> cols = new ArrayList<>(table.columns().keySet());
    List<String> key = table.sinkKey();
    StringBuilder where = new StringBuilder();
    for (String k : key) where.append(quote(k)).append(" = CAST(? AS ").append(table.columns().get(k)).append(") AND ");
    // A delete from a shard that no longer owns the row (tenant moved away) must not remove it.
    String delete = "DELETE FROM " + table.name() + " WHERE " + where + "_source_shard = ?";
    StringBuilder insert = new StringBuilder("INSERT INTO " + table.name() + " (");
    StringBuilder values = new StringBuilder(") VALUES (");
    StringBuilder update = new StringBuilder(" DO UPDATE SET ");
    for (String c : cols) {
      insert.append(quote(c)).append(", ");
      values.append("CAST(? AS ").append(table.columns().get(c)).append("), ");
      update.append(quote(c)).append(" = EXCLUDED.").append(quote(c)).append(", ");
    }
    insert.append("_source_shard, _source_lsn").append(values).append("?, ?) ON CONFLICT (")
        .append(String.join(", ", key.stream().map(AnalyticsSink::quote).toList())).append(")")
        .append(update).append("_source_shard = EXCLUDED._source_shard, _source_lsn = EXCLUDED._source_lsn");
    try (PreparedStatement del = conn.prepareStatement(delete); PreparedStatement ins = conn.prepareStatement(insert.toString())) {
      int dels = 0;
      int ups = 0;
      for (ChangeEvent e : changes) {
        if (e.op() == ChangeEvent.Op.DELETE) {
          int i = 1;
          for (String k : key) del.setString(i++, e.row().get(k));
          del.setString(i, e.shard());
          del.addBatch();
          dels++;
        } else {
          int i = 1;
          for (String c : cols) ins.setString(i++, e.row().get(c));
          ins.setString(i++, e.shard());
          ins.setLong(i, e.position().lsn());
          ins.addBatch();
          ups++;
        }
      }
      if (dels > 0) del.executeBatch();
      if (ups > 0) ins.executeBatch();
    }
  }

  @Override
  protected void saveOffset(String shard, ChangeBatch batch, Position watermark) throws SQLException {
    upsertOffset("INSERT INTO " + OFFSETS + " (shard, commit_lsn, lsn, offset_json) VALUES (?, ?, ?, ?) "
        + "ON CONFLICT (shard) DO UPDATE SET commit_lsn = EXCLUDED.commit_lsn, lsn = EXCLUDED.lsn, offset_json = EXCLUDED.offset_json",
        shard, batch, watermark);
  }
}
