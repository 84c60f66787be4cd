package dev.shardline.routing.internal;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A logical {@link PreparedStatement}: parameters are recorded, the tenant key is read from them
 * at execution, and they are replayed on the physical statement of the chosen shard. The SQL is
 * analysed once, when prepared.
 */
final class RoutingPreparedStatement extends BaseStatement<PreparedStatement> implements PreparedStatement {
  private static final Params.Binder B0_NULL = (ps, i, v, x) -> ps.setNull(i, (Integer) x);
  private static final Params.Binder B1_NULL = (ps, i, v, x) -> ps.setNull(i, (Integer) ((Object[]) x)[0], (String) ((Object[]) x)[1]);
  private static final Params.Binder B2_BOOLEAN = (ps, i, v, x) -> ps.setBoolean(i, (Boolean) v);
  private static final Params.Binder B3_BYTE = (ps, i, v, x) -> ps.setByte(i, (Byte) v);
  private static final Params.Binder B4_SHORT = (ps, i, v, x) -> ps.setShort(i, (Short) v);
  private static final Params.Binder B5_INT = (ps, i, v, x) -> ps.setInt(i, (Integer) v);
  private static final Params.Binder B6_LONG = (ps, i, v, x) -> ps.setLong(i, (Long) v);
  private static final Params.Binder B7_FLOAT = (ps, i, v, x) -> ps.setFloat(i, (Float) v);
  private static final Params.Binder B8_DOUBLE = (ps, i, v, x) -> ps.setDouble(i, (Double) v);
  private static final Params.Binder B9_BIGDECIMAL = (ps, i, v, x) -> ps.setBigDecimal(i, (java.math.BigDecimal) v);
  private static final Params.Binder B10_STRING = (ps, i, v, x) -> ps.setString(i, (String) v);
  private static final Params.Binder B11_NSTRING = (ps, i, v, x) -> ps.setNString(i, (String) v);
  private static final Params.Binder B12_BYTES = (ps, i, v, x) -> ps.setBytes(i, (byte[]) v);
  private static final Params.Binder B13_DATE = (ps, i, v, x) -> ps.setDate(i, (java.sql.Date) v);
  private static final Params.Binder B14_TIME = (ps, i, v, x) -> ps.setTime(i, (java.sql.Time) v);
  private static final Params.Binder B15_TIMESTAMP = (ps, i, v, x) -> ps.setTimestamp(i, (java.sql.Timestamp) v);
  private static final Params.Binder B16_DATE = (ps, i, v, x) -> ps.setDate(i, (java.sql.Date) v, (java.util.Calendar) x);
  private static final Params.Binder B17_TIME = (ps, i, v, x) -> ps.setTime(i, (java.sql.Time) v, (java.util.Calendar) x);
  private static final Params.Binder B18_TIMESTAMP = (ps, i, v, x) -> ps.setTimestamp(i, (java.sql.Timestamp) v, (java.util.Calendar) x);
  private static final Params.Binder B19_OBJECT = (ps, i, v, x) -> ps.setObject(i, v);
  private static final Params.Binder B20_OBJECT = (ps, i, v, x) -> ps.setObject(i, v, (Integer) x);
  private static final Params.Binder B21_OBJECT = (ps, i, v, x) -> ps.setObject(i, v, ((int[]) x)[0], ((int[]) x)[1]);
  private static final Params.Binder B22_OBJECT = (ps, i, v, x) -> ps.setObject(i, v, (java.sql.SQLType) x);
  private static final Params.Binder B23_OBJECT = (ps, i, v, x) -> ps.setObject(i, v, (java.sql.SQLType) ((Object[]) x)[0], (Integer) ((Object[]) x)[1]);
  private static final Params.Binder B24_ASCIISTREAM = (ps, i, v, x) -> ps.setAsciiStream(i, (java.io.InputStream) v, (Integer) x);
  private static final Params.Binder B25_ASCIISTREAM = (ps, i, v, x) -> ps.setAsciiStream(i, (java.io.InputStream) v, (Long) x);
  private static final Params.Binder B26_ASCIISTREAM = (ps, i, v, x) -> ps.setAsciiStream(i, (java.io.InputStream) v);
  private static final Params.Binder B27_BINARYSTREAM = (ps, i, v, x) -> ps.setBinaryStream(i, (java.io.InputStream) v, (Integer) x);
  private static final Params.Binder B28_BINARYSTREAM = (ps, i, v, x) -> ps.setBinaryStream(i, (java.io.InputStream) v, (Long) x);
  private static final Params.Binder B29_BINARYSTREAM = (ps, i, v, x) -> ps.setBinaryStream(i, (java.io.InputStream) v);
  private static final Params.Binder B30_CHARACTERSTREAM = (ps, i, v, x) -> ps.setCharacterStream(i, (java.io.Reader) v, (Integer) x);
  private static final Params.Binder B31_CHARACTERSTREAM = (ps, i, v, x) -> ps.setCharacterStream(i, (java.io.Reader) v, (Long) x);
  private static final Params.Binder B32_CHARACTERSTREAM = (ps, i, v, x) -> ps.setCharacterStream(i, (java.io.Reader) v);
  private static final Params.Binder B33_NCHARACTERSTREAM = (ps, i, v, x) -> ps.setNCharacterStream(i, (java.io.Reader) v, (Long) x);
  private static final Params.Binder B34_NCHARACTERSTREAM = (ps, i, v, x) -> ps.setNCharacterStream(i, (java.io.Reader) v);
  private static final Params.Binder B35_REF = (ps, i, v, x) -> ps.setRef(i, (java.sql.Ref) v);
  private static final Params.Binder B36_BLOB = (ps, i, v, x) -> ps.setBlob(i, (java.sql.Blob) v);
  private static final Params.Binder B37_BLOB = (ps, i, v, x) -> ps.setBlob(i, (java.io.InputStream) v, (Long) x);
  private static final Params.Binder B38_BLOB = (ps, i, v, x) -> ps.setBlob(i, (java.io.InputStream) v);
  private static final Params.Binder B39_CLOB = (ps, i, v, x) -> ps.setClob(i, (java.sql.Clob) v);
  private static final Params.Binder B40_CLOB = (ps, i, v, x) -> ps.setClob(i, (java.io.Reader) v, (Long) x);
  private static final Params.Binder B41_CLOB = (ps, i, v, x) -> ps.setClob(i, (java.io.Reader) v);
  private static final Params.Binder B42_NCLOB = (ps, i, v, x) -> ps.setNClob(i, (java.sql.NClob) v);
  private static final Params.Binder B43_NCLOB = (ps, i, v, x) -> ps.setNClob(i, (java.io.Reader) v, (Long) x);
  private static final Params.Binder B44_NCLOB = (ps, i, v, x) -> ps.setNClob(i, (java.io.Reader) v);
  private static final Params.Binder B45_ARRAY = (ps, i, v, x) -> ps.setArray(i, (java.sql.Array) v);
  private static final Params.Binder B46_URL = (ps, i, v, x) -> ps.setURL(i, (java.net.URL) v);
  private static final Params.Binder B47_ROWID = (ps, i, v, x) -> ps.setRowId(i, (java.sql.RowId) v);
  private static final Params.Binder B48_SQLXML = (ps, i, v, x) -> ps.setSQLXML(i, (java.sql.SQLXML) v);
  private static final Params.Binder B49_UNICODESTREAM = (ps, i, v, x) -> ps.setBinaryStream(i, (java.io.InputStream) v, (Integer) x);

  private final String sql;
  private final Analysis analysis;
  private final Params params = new Params();
  private List<Params> batch;
  private PreparedStatement guardedPs;
  private Connection guardedConn;
  private String guardedText;

  RoutingPreparedStatement(RoutingConnection conn, String sql, Analysis analysis, StatementShape shape) {
    super(conn, shape);
    this.sql = sql;
    this.analysis = analysis;
  }

  @Override
  PreparedStatement create(Connection c) throws SQLException {
    return shape.prepare(c, sql);
  }

  private PreparedStatement bound(Connection c, Params p, String guardedSql) throws SQLException {
    PreparedStatement ps = guardedSql == null ? on(c) : guarded(c, guardedSql);
    p.applyTo(ps);
    return ps;
  }

  /** A physical statement for tenant-restricted SQL; its text differs per tenant, so the last one is kept. */
  private PreparedStatement guarded(Connection c, String text) throws SQLException {
    if (guardedPs != null && guardedConn == c && text.equals(guardedText) && !guardedPs.isClosed()) return guardedPs;
    if (guardedPs != null) guardedPs.close();
    guardedPs = shape.prepare(c, text);
    settings.applyTo(guardedPs);
    guardedConn = c;
    guardedText = text;
    last = guardedPs;
    return guardedPs;
  }

  @Override
  public void close() throws SQLException {
    if (guardedPs != null) guardedPs.close();
    super.close();
  }

  private void bind(int index, Params.Binder binder, Object value, Object extra) throws SQLException {
    checkOpen();
    params.set(index, binder, value, extra);
  }

  @Override
  public ResultSet executeQuery() throws SQLException {
    checkOpen();
    return wrap(conn.execute(analysis, params, (c, g) -> bound(c, params, g).executeQuery()));
  }

  @Override
  public int executeUpdate() throws SQLException {
    checkOpen();
    return count(conn.execute(analysis, params, (c, g) -> bound(c, params, g).executeUpdate()));
  }

  @Override
  public long executeLargeUpdate() throws SQLException {
    checkOpen();
    return countLong(conn.execute(analysis, params, (c, g) -> bound(c, params, g).executeLargeUpdate()));
  }

  @Override
  public boolean execute() throws SQLException {
    checkOpen();
    Boolean b = conn.execute(analysis, params, (c, g) -> bound(c, params, g).execute());
    return b != null && b;
  }

  @Override
  public void clearParameters() throws SQLException {
    checkOpen();
    params.clear();
  }

  @Override
  public void addBatch() throws SQLException {
    checkOpen();
    if (batch == null) batch = new ArrayList<>();
    batch.add(params.copy());
  }

  @Override
  public void clearBatch() throws SQLException {
    checkOpen();
    batch = null;
  }

  /**
   * Runs the batch grouped by shard, one physical batch per shard, and returns the counts in the
   * order rows were added. Inside a transaction every row must belong to the transaction's shard;
   * that is checked before anything runs.
   */
  @Override
  public int[] executeBatch() throws SQLException {
    checkOpen();
    if (batch == null || batch.isEmpty()) return new int[0];
    List<Params> batch = this.batch;
    try {
      Map<Integer, List<Integer>> groups = conn.groupByShard(analysis, batch);
      if (groups.size() > 1 && conn.getAutoCommit()) return parallel(batch, groups);
      int[] counts = new int[batch.size()];
      for (List<Integer> rows : groups.values()) {
        int[] part = conn.execute(analysis, batch.get(rows.get(0)), (c, g) -> {
          PreparedStatement ps = g == null ? on(c) : guarded(c, g);
          for (int r : rows) {
            batch.get(r).applyTo(ps);
            ps.addBatch();
          }
          try {
            return ps.executeBatch();
          } catch (BatchUpdateException e) {
            throw remap(e, rows, counts);
          }
        });
        for (int k = 0; k < rows.size() && part != null && k < part.length; k++) counts[rows.get(k)] = part[k];
      }
      return counts;
    } finally {
      this.batch = null;
    }
  }

  /**
   * Auto-commit rows on several shards: fills each shard's physical batch here (routing, tenant
   * setting and statement caches are not thread-safe), then lets {@link ShardBatchWriter} run the
   * shards in parallel. A part that needs the tenant-restricted text runs at once, as before.
   */
  private int[] parallel(List<Params> batch, Map<Integer, List<Integer>> groups) throws SQLException {
    List<ShardBatchWriter.Part> parts = new java.util.ArrayList<>();
    int[] counts = new int[batch.size()];
    List<List<Integer>> ranNow = new java.util.ArrayList<>();
    try {
      fillAndRunGuarded(batch, groups, parts, ranNow, counts);
    } catch (SQLException | RuntimeException e) {
      // Rows already added to a physical statement must not ride along with its next batch.
      for (ShardBatchWriter.Part p : parts) {
        try {
          p.statement().clearBatch();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
    if (parts.isEmpty()) return counts;
    int[] out = ShardBatchWriter.execute(batch.size(), parts);
    for (List<Integer> rows : ranNow) for (int r : rows) out[r] = counts[r];
    return out;
  }

  private void fillAndRunGuarded(List<Params> batch, Map<Integer, List<Integer>> groups, List<ShardBatchWriter.Part> parts,
      List<List<Integer>> ranNow, int[] counts) throws SQLException {
    for (List<Integer> rows : groups.values()) {
      conn.execute(analysis, batch.get(rows.get(0)), (c, g) -> {
        if (g != null) {
          ranNow.add(rows);
          return null;
        }
        PreparedStatement ps = on(c);
        parts.add(new ShardBatchWriter.Part(rows, ps));
        for (int r : rows) {
          batch.get(r).applyTo(ps);
          ps.addBatch();
        }
        return null;
      });
    }
    if (!ranNow.isEmpty()) {
      // Guarded parts share one physical statement: run them one after another, as the serial path does.
      for (List<Integer> rows : ranNow) {
        int[] part = conn.execute(analysis, batch.get(rows.get(0)), (c, g) -> {
          PreparedStatement ps = g == null ? on(c) : guarded(c, g);
          for (int r : rows) {
            batch.get(r).applyTo(ps);
            ps.addBatch();
          }
          try {
            return ps.executeBatch();
          } catch (BatchUpdateException e) {
            throw remap(e, rows, counts);
          }
        });
        for (int k = 0; k < rows.size() && part != null && k < part.length; k++) counts[rows.get(k)] = part[k];
      }
    }
  }

  private static BatchUpdateException remap(BatchUpdateException e, List<Integer> rows, int[] counts) {
    int[] done = e.getUpdateCounts() == null ? new int[0] : e.getUpdateCounts();
    for (int k = 0; k < done.length && k < rows.size(); k++) counts[rows.get(k)] = done[k];
    return new BatchUpdateException(e.getMessage(), e.getSQLState(), e.getErrorCode(),
        Arrays.copyOf(counts, rows.get(Math.min(done.length, rows.size() - 1))), e);
  }

  @Override
  public ResultSetMetaData getMetaData() throws SQLException {
    checkOpen();
    if (last instanceof PreparedStatement ps) return ps.getMetaData();
    return conn.metadataStatement(sql).getMetaData();
  }

  @Override
  public ParameterMetaData getParameterMetaData() throws SQLException {
    checkOpen();
    if (last instanceof PreparedStatement ps) return ps.getParameterMetaData();
    return conn.metadataStatement(sql).getParameterMetaData();
  }

  private static SQLException queryStringMethod() {
    return new SQLException("Can't use query methods that take a query string on a PreparedStatement.", "42809");
  }

  @Override
  public ResultSet executeQuery(String s) throws SQLException {
    throw queryStringMethod();
  }

  @Override
  public int executeUpdate(String s) throws SQLException {
    throw queryStringMethod();
  }

  @Override
  public int executeUpdate(String s, int k) throws SQLException {
    throw queryStringMethod();
  }

  @Override
  public int executeUpdate(String s, int[] k) throws SQLException {
    throw queryStringMethod();
  }

  @Override
  public int executeUpdate(String s, String[] k) throws SQLException {
    throw queryStringMethod();
  }

  @Override
  public boolean execute(String s) throws SQLException {
    throw queryStringMethod();
  }

  @Override
  public boolean execute(String s, int k) throws SQLException {
    throw queryStringMethod();
  }

  @Override
  public boolean execute(String s, int[] k) throws SQLException {
    throw queryStringMethod();
  }

  @Override
  public boolean execute(String s, String[] k) throws SQLException {
    throw queryStringMethod();
  }

  @Override
  public void addBatch(String s) throws SQLException {
    throw queryStringMethod();
  }

  @Override
  public void setNull(int parameterIndex, int sqlType) throws SQLException {
    bind(parameterIndex, B0_NULL, null, sqlType);
  }

  @Override
  public void setNull(int parameterIndex, int sqlType, String typeName) throws SQLException {
    bind(parameterIndex, B1_NULL, null, new Object[] {sqlType, typeName});
  }

  @Override
  public void setBoolean(int parameterIndex, boolean x) throws SQLException {
    bind(parameterIndex, B2_BOOLEAN, x, null);
  }

  @Override
  public void setByte(int parameterIndex, byte x) throws SQLException {
    bind(parameterIndex, B3_BYTE, x, null);
  }

  @Override
  public void setShort(int parameterIndex, short x) throws SQLException {
    bind(parameterIndex, B4_SHORT, x, null);
  }

  @Override
  public void setInt(int parameterIndex, int x) throws SQLException {
    bind(parameterIndex, B5_INT, x, null);
  }

  @Override
  public void setLong(int parameterIndex, long x) throws SQLException {
    bind(parameterIndex, B6_LONG, x, null);
  }

  @Override
  public void setFloat(int parameterIndex, float x) throws SQLException {
    bind(parameterIndex, B7_FLOAT, x, null);
  }

  @Override
  public void setDouble(int parameterIndex, double x) throws SQLException {
    bind(parameterIndex, B8_DOUBLE, x, null);
  }

  @Override
  public void setBigDecimal(int parameterIndex, java.math.BigDecimal x) throws SQLException {
    bind(parameterIndex, B9_BIGDECIMAL, x, null);
  }

  @Override
  public void setString(int parameterIndex, String x) throws SQLException {
    bind(parameterIndex, B10_STRING, x, null);
  }

  @Override
  public void setNString(int parameterIndex, String x) throws SQLException {
    bind(parameterIndex, B11_NSTRING, x, null);
  }

  @Override
  public void setBytes(int parameterIndex, byte[] x) throws SQLException {
    bind(parameterIndex, B12_BYTES, x, null);
  }

  @Override
  public void setDate(int parameterIndex, java.sql.Date x) throws SQLException {
    bind(parameterIndex, B13_DATE, x, null);
  }

  @Override
  public void setTime(int parameterIndex, java.sql.Time x) throws SQLException {
    bind(parameterIndex, B14_TIME, x, null);
  }

  @Override
  public void setTimestamp(int parameterIndex, java.sql.Timestamp x) throws SQLException {
    bind(parameterIndex, B15_TIMESTAMP, x, null);
  }

  @Override
  public void setDate(int parameterIndex, java.sql.Date x, java.util.Calendar cal) throws SQLException {
    bind(parameterIndex, B16_DATE, x, cal);
  }

  @Override
  public void setTime(int parameterIndex, java.sql.Time x, java.util.Calendar cal) throws SQLException {
    bind(parameterIndex, B17_TIME, x, cal);
  }

  @Override
  public void setTimestamp(int parameterIndex, java.sql.Timestamp x, java.util.Calendar cal) throws SQLException {
    bind(parameterIndex, B18_TIMESTAMP, x, cal);
  }

  @Override
  public void setObject(int parameterIndex, Object x) throws SQLException {
    bind(parameterIndex, B19_OBJECT, x, null);
  }

  @Override
  public void setObject(int parameterIndex, Object x, int targetSqlType) throws SQLException {
    bind(parameterIndex, B20_OBJECT, x, targetSqlType);
  }

  @Override
  public void setObject(int parameterIndex, Object x, int targetSqlType, int scaleOrLength) throws SQLException {
    bind(parameterIndex, B21_OBJECT, x, new int[] {targetSqlType, scaleOrLength});
  }

  @Override
  public void setObject(int parameterIndex, Object x, java.sql.SQLType targetSqlType) throws SQLException {
    bind(parameterIndex, B22_OBJECT, x, targetSqlType);
  }

  @Override
  public void setObject(int parameterIndex, Object x, java.sql.SQLType targetSqlType, int scaleOrLength) throws SQLException {
    bind(parameterIndex, B23_OBJECT, x, new Object[] {targetSqlType, scaleOrLength});
  }

  @Override
  public void setAsciiStream(int parameterIndex, java.io.InputStream x, int length) throws SQLException {
    bind(parameterIndex, B24_ASCIISTREAM, x, length);
  }

  @Override
  public void setAsciiStream(int parameterIndex, java.io.InputStream x, long length) throws SQLException {
    bind(parameterIndex, B25_ASCIISTREAM, x, length);
  }

  @Override
  public void setAsciiStream(int parameterIndex, java.io.InputStream x) throws SQLException {
    bind(parameterIndex, B26_ASCIISTREAM, x, null);
  }

  @Override
  public void setBinaryStream(int parameterIndex, java.io.InputStream x, int length) throws SQLException {
    bind(parameterIndex, B27_BINARYSTREAM, x, length);
  }

  @Override
  public void setBinaryStream(int parameterIndex, java.io.InputStream x, long length) throws SQLException {
    bind(parameterIndex, B28_BINARYSTREAM, x, length);
  }

  @Override
  public void setBinaryStream(int parameterIndex, java.io.InputStream x) throws SQLException {
    bind(parameterIndex, B29_BINARYSTREAM, x, null);
  }

  @Override
  public void setCharacterStream(int parameterIndex, java.io.Reader x, int length) throws SQLException {
    bind(parameterIndex, B30_CHARACTERSTREAM, x, length);
  }

  @Override
  public void setCharacterStream(int parameterIndex, java.io.Reader x, long length) throws SQLException {
    bind(parameterIndex, B31_CHARACTERSTREAM, x, length);
  }

  @Override
  public void setCharacterStream(int parameterIndex, java.io.Reader x) throws SQLException {
    bind(parameterIndex, B32_CHARACTERSTREAM, x, null);
  }

  @Override
  public void setNCharacterStream(int parameterIndex, java.io.Reader x, long length) throws SQLException {
    bind(parameterIndex, B33_NCHARACTERSTREAM, x, length);
  }

  @Override
  public void setNCharacterStream(int parameterIndex, java.io.Reader x) throws SQLException {
    bind(parameterIndex, B34_NCHARACTERSTREAM, x, null);
  }

  @Override
  public void setRef(int parameterIndex, java.sql.Ref x) throws SQLException {
    bind(parameterIndex, B35_REF, x, null);
  }

  @Override
  public void setBlob(int parameterIndex, java.sql.Blob x) throws SQLException {
    bind(parameterIndex, B36_BLOB, x, null);
  }

  @Override
  public void setBlob(int parameterIndex, java.io.InputStream x, long length) throws SQLException {
    bind(parameterIndex, B37_BLOB, x, length);
  }

  @Override
  public void setBlob(int parameterIndex, java.io.InputStream x) throws SQLException {
    bind(parameterIndex, B38_BLOB, x, null);
  }

  @Override
  public void setClob(int parameterIndex, java.sql.Clob x) throws SQLException {
    bind(parameterIndex, B39_CLOB, x, null);
  }

  @Override
  public void setClob(int parameterIndex, java.io.Reader x, long length) throws SQLException {
    bind(parameterIndex, B40_CLOB, x, length);
  }

  @Override
  public void setClob(int parameterIndex, java.io.Reader x) throws SQLException {
    bind(parameterIndex, B41_CLOB, x, null);
  }

  @Override
  public void setNClob(int parameterIndex, java.sql.NClob x) throws SQLException {
    bind(parameterIndex, B42_NCLOB, x, null);
  }

  @Override
  public void setNClob(int parameterIndex, java.io.Reader x, long length) throws SQLException {
    bind(parameterIndex, B43_NCLOB, x, length);
  }

  @Override
  public void setNClob(int parameterIndex, java.io.Reader x) throws SQLException {
    bind(parameterIndex, B44_NCLOB, x, null);
  }

  @Override
  public void setArray(int parameterIndex, java.sql.Array x) throws SQLException {
    bind(parameterIndex, B45_ARRAY, x, null);
  }

  @Override
  public void setURL(int parameterIndex, java.net.URL x) throws SQLException {
    bind(parameterIndex, B46_URL, x, null);
  }

  @Override
  public void setRowId(int parameterIndex, java.sql.RowId x) throws SQLException {
    bind(parameterIndex, B47_ROWID, x, null);
  }

  @Override
  public void setSQLXML(int parameterIndex, java.sql.SQLXML x) throws SQLException {
    bind(parameterIndex, B48_SQLXML, x, null);
  }

  @SuppressWarnings("deprecation")
  @Override
  public void setUnicodeStream(int parameterIndex, java.io.InputStream x, int length) throws SQLException {
    bind(parameterIndex, B49_UNICODESTREAM, x, length);
  }

  static Map<Integer, List<Integer>> newGroups() {
    return new LinkedHashMap<>();
  }
}
