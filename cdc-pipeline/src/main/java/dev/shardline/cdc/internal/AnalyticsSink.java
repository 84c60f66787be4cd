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
import java.util.HashMap;
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
  static final String OFFSETS = "shardline_cdc_offsets";
  static final String DEADLETTER = "shardline_cdc_deadletter";
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  protected final Map<String, SourceTable> tables;
  private final Map<String, ChangeSink.StoredOffset> stored = new ConcurrentHashMap<>();
  protected Connection conn;

  private final boolean applyTruncates;

  private final Map<String, Long> lastSchemaCheck = new HashMap<>();
  private volatile SchemaSource schemaSource;

  /** Reads a captured table's definition as a shard's catalog has it now. */
  @FunctionalInterface
  public interface SchemaSource {
    SourceTable describe(String shard, String table);
  }

  AnalyticsSink(Map<String, SourceTable> tables, boolean applyTruncates) {
    this.tables = new LinkedHashMap<>(tables); // this sink's own view: it follows schema changes by itself
    this.applyTruncates = applyTruncates;
  }

  /** Lets the sink follow ADD/DROP COLUMN and type widening of captured tables while it runs. */
  public void schemaSource(SchemaSource source) {
    this.schemaSource = source;
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
        s.execute("CREATE TABLE IF NOT EXISTS " + DEADLETTER + " (failed_at TIMESTAMP NOT NULL, shard VARCHAR NOT NULL, sink VARCHAR NOT NULL, "
            + "source_table VARCHAR NOT NULL, op VARCHAR NOT NULL, commit_lsn BIGINT NOT NULL, lsn BIGINT NOT NULL, "
            + "row_json VARCHAR NOT NULL, error VARCHAR NOT NULL)");
      }
      conn.commit();
      for (SourceTable t : tables.values()) reconcile(t);
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
   * Stores a change sink {@code sink} could not apply, with its error, in {@value #DEADLETTER};
   * returns once it is committed.
   *
   * @throws ShardlineCdcException when the store cannot take it (the pipeline then keeps retrying)
   */
  public synchronized void deadLetter(String sink, ChangeEvent e, String error) {
    try {
      reconnectIfNeeded();
      try (PreparedStatement ps = conn.prepareStatement("INSERT INTO " + DEADLETTER
          + " (failed_at, shard, sink, source_table, op, commit_lsn, lsn, row_json, error) VALUES (CURRENT_TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, e.shard());
        ps.setString(2, sink);
        ps.setString(3, e.table());
        ps.setString(4, e.op().name());
        ps.setLong(5, e.position().commitLsn());
        ps.setLong(6, e.position().lsn());
        ps.setString(7, JSON.writeValueAsString(e.row()));
        ps.setString(8, String.valueOf(error));
        ps.executeUpdate();
      }
      conn.commit();
    } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException ex) {
      rollbackQuietly();
      dropIfBroken();
      throw new ShardlineCdcException("cdc sink " + name() + " - cannot store a dead letter of " + e.shard() + ": " + ex.getMessage()
          + "; the batch is retried", ex);
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
      throw new ShardlineCdcException("cdc sink " + name() + " - cannot reread offsets: " + e.getMessage()
          + "; the engine resumes from the offsets read at start", e);
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

  /**
   * Brings an existing sink table up to the source's shape after changes made while the sidecar was
   * down: adds missing columns and widens types. Extra sink columns stay (they may be the user's
   * own, from the analytics changelog).
   */
  private void reconcile(SourceTable t) throws SQLException {
    Map<String, String> have = sinkColumns(t.name());
    List<String> done = new ArrayList<>();
    try (Statement s = conn.createStatement()) {
      for (Map.Entry<String, String> c : t.columns().entrySet()) {
        String want = columnType(c.getValue());
        String got = have.get(c.getKey());
        if (got == null) {
          s.execute("ALTER TABLE " + t.name() + " ADD COLUMN " + quote(c.getKey()) + " " + want);
          done.add("added " + c.getKey());
        } else if (SchemaEvolution.isWidening(got, want)) {
          s.execute(alterType(t.name(), c.getKey(), want));
          done.add(c.getKey() + " " + got + " -> " + want);
        }
      }
    }
    tableChanged(t);
    conn.commit();
    if (!done.isEmpty()) LOG.info("cdc sink {} - table {} follows the source: {}", name(), t.name(), done);
  }

  /**
   * Rereads {@code table} from {@code shard}'s catalog and, if it changed, applies the change to the
   * sink table (add, drop, widen) and commits it; returns whether anything changed.
   */
  private boolean followSchema(String shard, String table) throws SQLException {
    SchemaSource source = schemaSource;
    if (source == null) return false;
    lastSchemaCheck.put(table, System.nanoTime());
    SourceTable old = tables.get(table);
    SourceTable now = source.describe(shard, table);
    if (now.columns().equals(old.columns())) return false;
    List<String> done = new ArrayList<>();
    try (Statement s = conn.createStatement()) {
      for (Map.Entry<String, String> c : now.columns().entrySet()) {
        String was = old.columns().get(c.getKey());
        if (was == null) {
          s.execute("ALTER TABLE " + table + " ADD COLUMN " + quote(c.getKey()) + " " + columnType(c.getValue()));
          done.add("added " + c.getKey());
        } else if (!was.equals(c.getValue()) && !columnType(was).equals(columnType(c.getValue()))) {
          s.execute(alterType(table, c.getKey(), columnType(c.getValue())));
          done.add(c.getKey() + " " + was + " -> " + c.getValue());
        }
      }
      for (String c : old.columns().keySet()) {
        if (!now.columns().containsKey(c)) {
          s.execute("ALTER TABLE " + table + " DROP COLUMN " + quote(c));
          done.add("dropped " + c);
        }
      }
    }
    tables.put(table, now);
    tableChanged(now);
    conn.commit();
    LOG.info("cdc sink {} - table {} follows the source ({}): {}", name(), table, shard, done);
    return true;
  }

  /** True when some upsert of {@code changes} carries other columns than the sink table has: a schema change, or an old event. */
  private boolean shapeDiffers(String table, java.util.Collection<ChangeEvent> changes) {
    java.util.Set<String> cols = tables.get(table).columns().keySet();
    for (ChangeEvent e : changes) {
      if (e.op() != ChangeEvent.Op.UPSERT) continue;
      if (e.row().size() + e.unchangedColumns().size() != cols.size() || !cols.containsAll(e.row().keySet())) return true;
    }
    return false;
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
      for (Map.Entry<String, Map<List<String>, ChangeEvent>> t : latest.entrySet()) {
        // Catalog reads are rate-limited: events older than an ADD COLUMN differ from the new shape too.
        Long last = lastSchemaCheck.get(t.getKey());
        if ((last == null || System.nanoTime() - last > 2_000_000_000L) && shapeDiffers(t.getKey(), t.getValue().values())) {
          try {
            followSchema(batch.shard(), t.getKey());
          } catch (RuntimeException e) {
            // A shard's catalog is out of reach: write with the known shape (new columns wait for the next check).
            LOG.warn("cdc sink {} - cannot read the schema of {}: {}", name(), t.getKey(), e.getMessage());
          }
        }
      }
      writeBatch(batch, latest, truncated, offsetMoves, next);
    } catch (SQLException e) {
      rollbackQuietly();
      // A failing cast can be a type widened at the source: follow the catalog, then try once more.
      if (conn != null && changedAny(batch.shard(), latest.keySet())) {
        try {
          writeBatch(batch, latest, truncated, offsetMoves, next);
          return;
        } catch (SQLException again) {
          rollbackQuietly();
          e = again;
        }
      }
      dropIfBroken();
      throw new ShardlineCdcException("cdc sink " + name() + " - batch of " + batch.shard() + " failed: " + e.getMessage()
          + "; the batch is retried with backoff", e);
    }
  }

  private boolean changedAny(String shard, java.util.Set<String> tableNames) {
    boolean changed = false;
    try {
      for (String t : tableNames) changed |= followSchema(shard, t);
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      LOG.warn("cdc sink {} - cannot follow the schema of {}: {}", name(), tableNames, e.getMessage());
      return false;
    }
    return changed;
  }

  private void writeBatch(ChangeBatch batch, Map<String, Map<List<String>, ChangeEvent>> latest, java.util.Set<String> truncated,
      boolean offsetMoves, Position next) throws SQLException {
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
