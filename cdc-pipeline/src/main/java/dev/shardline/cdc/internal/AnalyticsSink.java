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

  private final boolean applyTruncates;

  AnalyticsSink(Map<String, SourceTable> tables, boolean applyTruncates) {
    this.tables = tables;
    this.applyTruncates = applyTruncates;
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
      loadOffsets();
    } catch (SQLException e) {
      throw new ShardlineCdcException("cdc sink " + name() + " - cannot open: " + e.getMessage()
          + "; check the sink location is writable and used by no other process", e);
    }
  }

  private void loadOffsets() throws SQLException {
    try (Statement s = conn.createStatement();
        ResultSet rs = s.executeQuery("SELECT shard, commit_lsn, lsn, offset_json FROM " + OFFSETS)) {
      while (rs.next()) {
        stored.put(rs.getString(1), new StoredOffset(rs.getString(4), new Position(rs.getLong(2), rs.getLong(3))));
      }
    }
    conn.commit();
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
      throw new ShardlineCdcException("cdc sink " + name() + " - cannot reconnect: " + e.getMessage()
          + "; the batch of " + batch.shard() + " is retried with backoff until the store is back", e);
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
    boolean offsetMoves = batch.snapshotOffset() ? watermark.equals(Position.NONE) : !watermark.isAfter(batch.offsetPosition());
    if (replayed > 0) LOG.info("{} {} - skipped {} replayed changes at or before {}", name(), batch.shard(), replayed, watermark);
    if (LOG.isDebugEnabled()) {
      LOG.debug("{} {} - {} of {} changes kept (watermark {}), offset moves {}", name(), batch.shard(),
          latest.values().stream().mapToInt(Map::size).sum(), batch.events().size(), watermark, offsetMoves);
    }
    if (latest.isEmpty() && truncated.isEmpty() && !offsetMoves) return;
    try {
      for (String t : truncated) {
        // Only this shard's rows: a tenant moved to another shard keeps its rows there.
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM " + t + " WHERE _source_shard = ?")) {
          ps.setString(1, batch.shard());
          LOG.info("{} {} - TRUNCATE {}: removed {} rows of that shard", name(), batch.shard(), t, ps.executeUpdate());
        }
      }
      for (Map.Entry<String, Map<List<String>, ChangeEvent>> t : latest.entrySet()) {
        write(tables.get(t.getKey()), new ArrayList<>(t.getValue().values()));
      }
      if (offsetMoves) saveOffset(batch.shard(), batch, next);
      conn.commit();
      if (offsetMoves) stored.put(batch.shard(), new StoredOffset(batch.offsetJson(), next));
    } catch (SQLException e) {
      rollbackQuietly();
      dropIfBroken();
      throw new ShardlineCdcException("cdc sink " + name() + " - batch of " + batch.shard() + " failed: " + e.getMessage()
          + "; the shard's engine retries from its last stored offset", e);
    }
  }

  /**
   * Removes {@code shard}'s rows and stored offset in one transaction, so that its next stream starts
   * with a snapshot that copies the shard again without duplicates ({@code cdc resnapshot}).
   */
  public synchronized void forget(String shard) {
    try {
      reconnectIfNeeded();
      try (PreparedStatement ps = conn.prepareStatement("DELETE FROM " + OFFSETS + " WHERE shard = ?")) {
        ps.setString(1, shard);
        ps.executeUpdate();
      }
      for (SourceTable t : tables.values()) {
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM " + t.name() + " WHERE _source_shard = ?")) {
          ps.setString(1, shard);
          LOG.info("cdc sink {} - removed {} rows of {} from {}", name(), ps.executeUpdate(), shard, t.name());
        }
      }
      conn.commit();
      stored.remove(shard);
    } catch (SQLException e) {
      rollbackQuietly();
      throw new ShardlineCdcException("cdc sink " + name() + " - cannot remove the rows of " + shard + ": " + e.getMessage()
          + "; check the analytics store is reachable and no sidecar is running, then retry", e);
    }
  }

  /**
   * Returns the change that stands for {@code earlier} then {@code later} of one key: the later one,
   * with the values of its unchanged (unlogged TOAST) columns taken from an earlier upsert, which
   * the sink has not stored yet.
   */
  static ChangeEvent squash(ChangeEvent earlier, ChangeEvent later) {
    if (later.unchangedColumns().isEmpty() || later.op() != ChangeEvent.Op.UPSERT || earlier.op() != ChangeEvent.Op.UPSERT) return later;
    Map<String, String> row = new LinkedHashMap<>(later.row());
    java.util.Set<String> unchanged = new java.util.HashSet<>();
    for (String c : later.unchangedColumns()) {
      if (earlier.row().containsKey(c)) row.put(c, earlier.row().get(c));
      else unchanged.add(c);
    }
    return new ChangeEvent(later.shard(), later.table(), later.op(), row, later.keyColumns(), later.position(), later.snapshot(),
        later.sourceMillis(), unchanged);
  }

  private void rollbackQuietly() {
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
