package dev.shardline.routing.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What plain and prepared logical statements share: settings recorded before execution, the
 * physical statements created per physical connection, and results read from the last execution.
 */
abstract class BaseStatement<S extends Statement> implements Statement {
    final RoutingConnection conn;
    final StatementShape shape;
    final StatementSettings settings = new StatementSettings();
    /** Nearly always one physical statement; a map only when the statement ran on several connections. */
    private Connection firstConn;

    private S firstStmt;
    private Map<Connection, S> others;
    Statement last;
    private ResultSet lastPhysicalResult;
    private ResultSet lastResult;
    private boolean closed;
    private boolean closeOnCompletion;

    BaseStatement(RoutingConnection conn, StatementShape shape) {
        this.conn = conn;
        this.shape = shape;
    }

    /** Returns this statement's physical statement on {@code c}, creating it on first use. */
    S on(Connection c) throws SQLException {
        S s = c == firstConn ? firstStmt : others == null ? null : others.get(c);
        if (s == null || s.isClosed()) {
            s = create(c);
            settings.applyTo(s);
            if (firstConn == null || firstConn == c) {
                firstConn = c;
                firstStmt = s;
            } else {
                if (others == null) others = new IdentityHashMap<>(4);
                others.put(c, s);
            }
        }
        last = s;
        return s;
    }

    /** Returns every physical statement created so far. */
    List<S> physicalStatements() {
        List<S> all = new ArrayList<>();
        if (firstStmt != null) all.add(firstStmt);
        if (others != null) all.addAll(others.values());
        return all;
    }

    abstract S create(Connection c) throws SQLException;

    /**
     * A result set whose getStatement() is this logical statement, never the physical one; the same
     * wrapper for the same physical result set, so repeated getResultSet() calls answer one object, as pgJDBC's do.
     */
    ResultSet wrap(ResultSet rs) {
        if (rs == null) return null;
        if (rs != lastPhysicalResult) {
            lastPhysicalResult = rs;
            lastResult = LogicalFacade.resultSet(rs, conn, this);
        }
        return lastResult;
    }

    void checkOpen() throws SQLException {
        if (closed) throw new SQLException("statement is closed", "HY010");
        conn.checkOpen();
    }

    static int count(Integer n) {
        return n == null ? 0 : n;
    }

    static long countLong(Long n) {
        return n == null ? 0 : n;
    }

    Statement lastOrFail() throws SQLException {
        checkOpen();
        if (last == null) throw new SQLException("no statement has been executed yet", "HY010");
        return last;
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        checkOpen();
        return last == null ? null : wrap(last.getResultSet());
    }

    @Override
    public int getUpdateCount() throws SQLException {
        checkOpen();
        return last == null ? -1 : last.getUpdateCount();
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        checkOpen();
        return last == null ? -1 : last.getLargeUpdateCount();
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        checkOpen();
        return last != null && last.getMoreResults();
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        checkOpen();
        return last != null && last.getMoreResults(current);
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        return wrap(lastOrFail().getGeneratedKeys());
    }

    @Override
    public void close() throws SQLException {
        if (closed) return;
        closed = true;
        SQLException first = null;
        for (S s : physicalStatements()) {
            try {
                s.close();
            } catch (SQLException e) {
                if (first == null) first = e;
            }
        }
        firstConn = null;
        firstStmt = null;
        others = null;
        lastPhysicalResult = null;
        lastResult = null;
        if (first != null && !EndpointPool.isConnectionFailure(first)) throw first;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public Connection getConnection() throws SQLException {
        checkOpen();
        return conn;
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        checkOpen();
        return settings.maxFieldSize;
    }

    @Override
    public void setMaxFieldSize(int max) throws SQLException {
        checkOpen();
        settings.maxFieldSize = max;
        settings.changed = true;
        for (S s : physicalStatements()) s.setMaxFieldSize(max);
    }

    @Override
    public int getMaxRows() throws SQLException {
        checkOpen();
        return settings.maxRows;
    }

    @Override
    public void setMaxRows(int max) throws SQLException {
        checkOpen();
        if (max < 0) throw new SQLException("maxRows must be 0 or more, was " + max, "22023");
        settings.maxRows = max;
        settings.changed = true;
        for (S s : physicalStatements()) s.setMaxRows(max);
    }

    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        checkOpen();
        settings.escapeProcessing = enable;
        settings.changed = true;
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        checkOpen();
        return settings.queryTimeout;
    }

    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        checkOpen();
        if (seconds < 0) throw new SQLException("queryTimeout must be 0 or more, was " + seconds, "22023");
        settings.queryTimeout = seconds;
        settings.changed = true;
        for (S s : physicalStatements()) s.setQueryTimeout(seconds);
    }

    @Override
    public void cancel() throws SQLException {
        if (last != null) last.cancel();
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return last == null ? null : last.getWarnings();
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
        if (last != null) last.clearWarnings();
    }

    @Override
    public void setCursorName(String name) throws SQLException {
        throw new java.sql.SQLFeatureNotSupportedException("setCursorName is not supported", "0A000");
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        checkOpen();
        settings.fetchDirection = direction;
        settings.changed = true;
    }

    @Override
    public int getFetchDirection() throws SQLException {
        checkOpen();
        return settings.fetchDirection;
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        checkOpen();
        if (rows < 0) throw new SQLException("fetchSize must be 0 or more, was " + rows, "22023");
        settings.fetchSize = rows;
        settings.changed = true;
        for (S s : physicalStatements()) s.setFetchSize(rows);
    }

    @Override
    public int getFetchSize() throws SQLException {
        checkOpen();
        return settings.fetchSize;
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        checkOpen();
        return shape.concurrency();
    }

    @Override
    public int getResultSetType() throws SQLException {
        checkOpen();
        return shape.type();
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        checkOpen();
        return shape.holdability() >= 0 ? shape.holdability() : ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public void setPoolable(boolean poolable) throws SQLException {
        checkOpen();
        settings.poolable = poolable;
    }

    @Override
    public boolean isPoolable() throws SQLException {
        checkOpen();
        return settings.poolable;
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        checkOpen();
        closeOnCompletion = true;
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        checkOpen();
        return closeOnCompletion;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface == null) throw LogicalFacade.unwrapNull();
        if (iface.isInstance(this)) return iface.cast(this);
        throw new SQLException("not a wrapper for " + iface.getName(), "0A000");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface != null && iface.isInstance(this);
    }

    static <T> List<T> newList() {
        return new ArrayList<>();
    }
}
