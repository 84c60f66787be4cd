package dev.shardline.routing.internal;

import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Struct;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The parts of {@link Connection} that involve no routing: metadata and LOB factories answered by
 * a physical connection (every shard has the same schema), client info, holdability, warnings and
 * wrapper methods. {@link RoutingConnection} adds routing and transactions on top.
 */
abstract class ConnectionPlumbing implements Connection {
  int holdability = -1;
  private Properties clientInfo;

  /** Throws when the logical connection is closed. */
  abstract void checkOpen() throws SQLException;

  /** Returns a physical connection of the transaction's shard, or of the default shard. */
  abstract Connection anyPhysical() throws SQLException;

  /** Metadata of the default shard's primary: every shard has the same schema. */
  @Override
  public DatabaseMetaData getMetaData() throws SQLException {
    checkOpen();
    return LogicalFacade.metaData(anyPhysical().getMetaData(), this);
  }

  @Override
  public String nativeSQL(String sql) {
    return sql;
  }

  @Override
  public boolean isValid(int timeout) throws SQLException {
    if (timeout < 0) throw new SQLException("timeout must not be negative, was " + timeout, "22023");
    return !isClosed();
  }

  @Override
  public SQLWarning getWarnings() throws SQLException {
    checkOpen();
    return null;
  }

  @Override
  public void clearWarnings() throws SQLException {
    checkOpen();
  }

  @Override
  public void setCatalog(String catalog) throws SQLException {
    checkOpen();
  }

  @Override
  public String getCatalog() throws SQLException {
    return anyPhysical().getCatalog();
  }

  @Override
  public String getSchema() throws SQLException {
    return anyPhysical().getSchema();
  }

  @Override
  public Map<String, Class<?>> getTypeMap() throws SQLException {
    return anyPhysical().getTypeMap();
  }

  @Override
  public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
    throw new SQLFeatureNotSupportedException("setTypeMap is not supported", "0A000");
  }

  @Override
  public void setHoldability(int h) throws SQLException {
    checkOpen();
    holdability = h;
  }

  @Override
  public int getHoldability() throws SQLException {
    checkOpen();
    return holdability >= 0 ? holdability : java.sql.ResultSet.HOLD_CURSORS_OVER_COMMIT;
  }

  @Override
  public Clob createClob() throws SQLException {
    return anyPhysical().createClob();
  }

  @Override
  public Blob createBlob() throws SQLException {
    return anyPhysical().createBlob();
  }

  @Override
  public NClob createNClob() throws SQLException {
    return anyPhysical().createNClob();
  }

  @Override
  public SQLXML createSQLXML() throws SQLException {
    return anyPhysical().createSQLXML();
  }

  @Override
  public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
    return anyPhysical().createArrayOf(typeName, elements);
  }

  @Override
  public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
    return anyPhysical().createStruct(typeName, attributes);
  }

  @Override
  public void setClientInfo(String name, String value) throws SQLClientInfoException {
    if (clientInfo == null) clientInfo = new Properties();
    clientInfo.setProperty(name, value);
  }

  @Override
  public void setClientInfo(Properties properties) throws SQLClientInfoException {
    clientInfo = new Properties();
    clientInfo.putAll(properties);
  }

  @Override
  public String getClientInfo(String name) {
    return clientInfo == null ? null : clientInfo.getProperty(name);
  }

  @Override
  public Properties getClientInfo() {
    return clientInfo == null ? new Properties() : (Properties) clientInfo.clone();
  }

  @Override
  public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
    checkOpen();
  }

  @Override
  public int getNetworkTimeout() throws SQLException {
    checkOpen();
    return 0;
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) return iface.cast(this);
    throw new SQLException("not a wrapper for " + iface.getName(), "0A000");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }
}
