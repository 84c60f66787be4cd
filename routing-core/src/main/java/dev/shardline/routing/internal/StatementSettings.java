package dev.shardline.routing.internal;

import java.sql.SQLException;
import java.sql.Statement;

/** Per-statement settings the application made before executing, applied to each physical statement. */
final class StatementSettings {
    int fetchSize;
    int maxRows;
    int queryTimeout;
    int maxFieldSize;
    int fetchDirection = java.sql.ResultSet.FETCH_FORWARD;
    boolean escapeProcessing = true;
    boolean poolable = true;
    boolean changed;

    void applyTo(Statement s) throws SQLException {
        if (!changed) return;
        if (fetchSize != 0) s.setFetchSize(fetchSize);
        if (maxRows != 0) s.setMaxRows(maxRows);
        if (queryTimeout != 0) s.setQueryTimeout(queryTimeout);
        if (maxFieldSize != 0) s.setMaxFieldSize(maxFieldSize);
        if (fetchDirection != java.sql.ResultSet.FETCH_FORWARD) s.setFetchDirection(fetchDirection);
        if (!escapeProcessing) s.setEscapeProcessing(false);
    }
}
