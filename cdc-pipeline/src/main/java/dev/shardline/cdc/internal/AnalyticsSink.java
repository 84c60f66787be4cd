package dev.shardline.cdc.internal;

import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import dev.shardline.cdc.spi.Position;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
abstract class AnalyticsSink implements ChangeSink {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AnalyticsSink.class);
  static final String OFFSETS = "shardline_cdc_offsets";

  protected final Map<String, SourceTable> tables;
  private final Map<String, ChangeSink.StoredOffset> stored = new ConcurrentHashMap<>();
  protected Connection conn;

  AnalyticsSink(Map<String, SourceTable> tables) {
    this.tables = tables;
  }

  protected abstract Connection connect() throws SQLException;

  /** Returns the sink's column type for a PostgreSQL type as {@code format_type} prints it. */
  protected abstract String columnType(String pgType);

  /** Replaces the rows of {@code table} whose keys appear in {@code changes}: deletes, then inserts upserts. */
  protected abstract void write(SourceTable table, List<ChangeEvent> changes) throws SQLException;

  /** Creates {@value #OFFSETS} if missing. */
  protected void createOffsetsTable() throws SQLException {
    try (Statement s = conn.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + OFFSETS + " (shard VARCHAR PRIMARY KEY, commit_lsn BIGINT NOT NULL, "
          + "lsn BIGINT NOT NULL, offset_json VARCHAR NOT NULL)");
    }
  }

  /** Whether analytics tables get a PRIMARY KEY on the sink key. */
  protected boolean primaryKeys() {
    return true;
  }

  protected abstract void saveOffset(String shard, ChangeBatch batch, Position watermark) throws SQLException;

  @Override
  public synchronized void open() {
    try {
      conn = connect();
      conn.setAutoCommit(false);
      createOffsetsTable();
      try (Statement s = conn.createStatement()) {
        for (SourceTable t : tables.values()) s.execute(createTable(t));
      }
      conn.commit();
      try (Statement s = conn.createStatement();
          ResultSet rs = s.executeQuery("SELECT shard, commit_lsn, lsn, offset_json FROM " + OFFSETS)) {
        while (rs.next()) {
          stored.put(rs.getString(1), new StoredOffset(rs.getString(4), new Position(rs.getLong(2), rs.getLong(3))));
        }
      }
      conn.commit();
    } catch (SQLException e) {
      throw new ShardlineCdcException("cdc sink " + name() + " - cannot open: " + e.getMessage()
          + "; check the sink location is writable and used by no other process", e);
    }
  }

  private String createTable(SourceTable t) {
    StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS " + t.name() + " (");
    t.columns().forEach((c, type) -> sql.append(quote(c)).append(' ').append(columnType(type)).append(", "));
    sql.append("_source_shard VARCHAR NOT NULL, _source_lsn BIGINT NOT NULL");
    if (primaryKeys()) {
      sql.append(", PRIMARY KEY (").append(String.join(", ", t.sinkKey().stream().map(AnalyticsSink::quote).toList())).append(")");
    }
    return sql.append(")").toString();
  }

  @Override
  public Optional<StoredOffset> storedOffset(String shard) {
    return Optional.ofNullable(stored.get(shard));
  }

  @Override
  public synchronized void apply(ChangeBatch batch) {
    StoredOffset prev = stored.get(batch.shard());
    Position watermark = prev == null ? Position.NONE : prev.position();
    Position next = watermark;
    Map<String, Map<List<String>, ChangeEvent>> latest = new LinkedHashMap<>();
    int replayed = 0;
    for (ChangeEvent e : batch.events()) {
      if (!e.snapshot() && !e.position().isAfter(watermark)) {
        replayed++; // delivered again after a crash: already applied in an earlier transaction
        continue;
      }
      if (!e.snapshot() && e.position().isAfter(next)) next = e.position();
      latest.computeIfAbsent(e.table(), k -> new LinkedHashMap<>()).put(e.key(), e);
    }
    boolean offsetMoves = batch.snapshotOffset() ? watermark.equals(Position.NONE) : !watermark.isAfter(batch.offsetPosition());
    if (replayed > 0) LOG.info("{} {} - skipped {} replayed changes at or before {}", name(), batch.shard(), replayed, watermark);
    if (LOG.isDebugEnabled()) {
      LOG.debug("{} {} - {} of {} changes kept (watermark {}), offset moves {}", name(), batch.shard(),
          latest.values().stream().mapToInt(Map::size).sum(), batch.events().size(), watermark, offsetMoves);
    }
    if (latest.isEmpty() && !offsetMoves) return;
    try {
      for (Map.Entry<String, Map<List<String>, ChangeEvent>> t : latest.entrySet()) {
        write(tables.get(t.getKey()), new ArrayList<>(t.getValue().values()));
      }
      if (offsetMoves) saveOffset(batch.shard(), batch, next);
      conn.commit();
      if (offsetMoves) stored.put(batch.shard(), new StoredOffset(batch.offsetJson(), next));
    } catch (SQLException e) {
      rollbackQuietly();
      throw new ShardlineCdcException("cdc sink " + name() + " - batch of " + batch.shard() + " failed: " + e.getMessage()
          + "; the shard's engine retries from its last stored offset", e);
    }
  }

  private void rollbackQuietly() {
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

  protected void upsertOffset(String sql, String shard, ChangeBatch batch, Position watermark) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      ps.setString(1, shard);
      ps.setLong(2, watermark.commitLsn());
      ps.setLong(3, watermark.lsn());
      ps.setString(4, batch.offsetJson());
      ps.executeUpdate();
    }
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
