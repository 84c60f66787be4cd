package dev.shardline.routing.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** How the application asked for a statement (result set type, generated keys...), replayed on each physical connection. */
record StatementShape(int type, int concurrency, int holdability, int autoKeys, int[] keyIndexes, String[] keyNames) {
    static final StatementShape DEFAULT = of(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, -1);

    static StatementShape of(int type, int concurrency, int holdability) {
        return new StatementShape(type, concurrency, holdability, -1, null, null);
    }

    static StatementShape keys(int autoKeys) {
        return new StatementShape(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, -1, autoKeys, null, null);
    }

    static StatementShape keyIndexes(int[] idx) {
        return new StatementShape(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, -1, -1, idx.clone(), null);
    }

    static StatementShape keyNames(String[] names) {
        return new StatementShape(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY, -1, -1, null, names.clone());
    }

    /** True when the statement is a plain forward-only, read-only statement without generated keys. */
    boolean plain() {
        return (autoKeys < 0 || autoKeys == Statement.NO_GENERATED_KEYS)
                && keyIndexes == null
                && keyNames == null
                && holdability < 0
                && type == ResultSet.TYPE_FORWARD_ONLY
                && concurrency == ResultSet.CONCUR_READ_ONLY;
    }

    PreparedStatement prepare(Connection c, String sql) throws SQLException {
        if (autoKeys >= 0) return c.prepareStatement(sql, autoKeys);
        if (keyIndexes != null) return c.prepareStatement(sql, keyIndexes);
        if (keyNames != null) return c.prepareStatement(sql, keyNames);
        if (holdability >= 0) return c.prepareStatement(sql, type, concurrency, holdability);
        if (type == ResultSet.TYPE_FORWARD_ONLY && concurrency == ResultSet.CONCUR_READ_ONLY)
            return c.prepareStatement(sql);
        return c.prepareStatement(sql, type, concurrency);
    }

    Statement create(Connection c) throws SQLException {
        if (holdability >= 0) return c.createStatement(type, concurrency, holdability);
        return c.createStatement(type, concurrency);
    }
}
