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
import java.util.List;
import java.util.Map;

/**
 * A logical {@link PreparedStatement}: parameters are recorded, the tenant key is read from them
 * at execution, and they are replayed on the physical statement of the chosen shard. The SQL is
 * analysed once, when prepared.
 */
final class RoutingPreparedStatement extends ParameterRecorder {

    private final String sql;
    private final Analysis analysis;
    private List<Params> batch;
    /** The last batch ran on several shards: its generated keys are split over their statements. */
    private boolean keysSpanShards;

    /** The physical statement of the tenant-restricted text; it differs per tenant, so the last one is kept. */
    private final KeptStatement guarded = new KeptStatement();
    /** The physical statement "set the tenant; run this statement"; settings are applied per use. */
    private final KeptStatement carrying = new KeptStatement();

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
        keysSpanShards = false;
        PreparedStatement ps = guardedSql == null ? on(c) : guarded(c, guardedSql);
        p.applyTo(ps);
        return ps;
    }

    /** A physical statement for tenant-restricted SQL; its text differs per tenant, so the last one is kept. */
    private PreparedStatement guarded(Connection c, String text) throws SQLException {
        PreparedStatement ps = guarded.get(c, text, (conn, t) -> {
            PreparedStatement p = shape.prepare(conn, t);
            settings.applyTo(p);
            return p;
        });
        last = ps;
        return ps;
    }

    @Override
    public void close() throws SQLException {
        guarded.close();
        carrying.close();
        super.close();
    }

    private enum Mode {
        QUERY,
        UPDATE,
        LARGE_UPDATE,
        EXECUTE
    }

    /** One execution of this statement with the current parameters; it can carry a tenant switch in its round trip. */
    private final class Single<T> implements Exec.CarriesTenant<T> {
        private final Mode mode;

        Single(Mode mode) {
            this.mode = mode;
        }

        @Override
        @SuppressWarnings("unchecked")
        public T run(Connection c, String guardedSql) throws SQLException {
            PreparedStatement ps = bound(c, params, guardedSql);
            return (T)
                    switch (mode) {
                        case QUERY -> ps.executeQuery();
                        case UPDATE -> Integer.valueOf(ps.executeUpdate());
                        case LARGE_UPDATE -> Long.valueOf(ps.executeLargeUpdate());
                        case EXECUTE -> Boolean.valueOf(ps.execute());
                    };
        }

        @Override
        public boolean canCarryTenant() {
            // Several statements in one text would lose pgJDBC's cursor fetch and generated keys; DDL and
            // the like must not run inside the implicit transaction the pair shares.
            return shape.plain()
                    && settings.fetchSize == 0
                    && (analysis.kind() == Analysis.Kind.READ || analysis.kind() == Analysis.Kind.WRITE);
        }

        @Override
        @SuppressWarnings("unchecked")
        public T runCarryingTenant(Connection c, String guardedSql, String tenant) throws SQLException {
            PreparedStatement ps =
                    carrying(c, HeldConnections.SET_TENANT_SQL + "; " + (guardedSql == null ? sql : guardedSql));
            ps.setString(1, tenant);
            params.applyTo(ps, 1);
            ps.execute();
            // The first result is set_config's row; the application's result follows it.
            boolean resultSet = ps.getMoreResults();
            return (T)
                    switch (mode) {
                        case QUERY -> {
                            if (!resultSet) throw new SQLException("No results were returned by the query.", "02000");
                            yield ps.getResultSet();
                        }
                        case UPDATE -> {
                            if (resultSet)
                                throw new SQLException("A result was returned when none was expected.", "0100E");
                            yield Integer.valueOf(ps.getUpdateCount());
                        }
                        case LARGE_UPDATE -> {
                            if (resultSet)
                                throw new SQLException("A result was returned when none was expected.", "0100E");
                            yield Long.valueOf(ps.getLargeUpdateCount());
                        }
                        case EXECUTE -> Boolean.valueOf(resultSet);
                    };
        }
    }

    private PreparedStatement carrying(Connection c, String text) throws SQLException {
        PreparedStatement ps = carrying.get(c, text, Connection::prepareStatement);
        ps.setQueryTimeout(settings.queryTimeout);
        ps.setMaxRows(settings.maxRows);
        last = ps;
        return ps;
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        checkOpen();
        return wrap(conn.execute(analysis, params, new Single<ResultSet>(Mode.QUERY)));
    }

    @Override
    public int executeUpdate() throws SQLException {
        checkOpen();
        return count(conn.execute(analysis, params, new Single<Integer>(Mode.UPDATE)));
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        checkOpen();
        return countLong(conn.execute(analysis, params, new Single<Long>(Mode.LARGE_UPDATE)));
    }

    @Override
    public boolean execute() throws SQLException {
        checkOpen();
        Boolean b = conn.execute(analysis, params, new Single<Boolean>(Mode.EXECUTE));
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
            keysSpanShards = groups.size() > 1;
            if (groups.size() > 1 && conn.getAutoCommit()) return parallel(batch, groups);
            int[] counts = new int[batch.size()];
            for (List<Integer> rows : groups.values()) runGroup(batch, rows, counts);
            return counts;
        } finally {
            this.batch = null;
        }
    }

    /**
     * Auto-commit rows on several shards: chooses each shard's connection, tenant setting and physical
     * statement here (routing, the connections' tenant state and the statement caches are not
     * thread-safe), then lets {@link ShardBatchWriter} fill and run the shards in parallel. A part that
     * needs the tenant-restricted text runs at once, as before; such a text pins every row to the
     * context tenant, so a batch spanning shards does not normally have one.
     */
    private int[] parallel(List<Params> batch, Map<Integer, List<Integer>> groups) throws SQLException {
        List<ShardBatchWriter.Part> parts = new java.util.ArrayList<>();
        int[] counts = new int[batch.size()];
        List<List<Integer>> ranNow = new java.util.ArrayList<>();
        for (List<Integer> rows : groups.values()) {
            conn.execute(analysis, batch.get(rows.get(0)), (c, g) -> {
                if (g != null) ranNow.add(rows);
                else parts.add(new ShardBatchWriter.Part(rows, on(c)));
                return null;
            });
        }
        // Guarded parts share one physical statement: run them one after another, as the serial path does.
        for (List<Integer> rows : ranNow) runGroup(batch, rows, counts);
        if (parts.isEmpty()) return counts;
        int[] out = ShardBatchWriter.execute(batch, parts);
        for (List<Integer> rows : ranNow) for (int r : rows) out[r] = counts[r];
        return out;
    }

    /** Runs one shard's rows as one physical batch and writes their counts into {@code counts}. */
    private void runGroup(List<Params> batch, List<Integer> rows, int[] counts) throws SQLException {
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

    private static BatchUpdateException remap(BatchUpdateException e, List<Integer> rows, int[] counts) {
        int[] done = e.getUpdateCounts() == null ? new int[0] : e.getUpdateCounts();
        for (int k = 0; k < done.length && k < rows.size(); k++) counts[rows.get(k)] = done[k];
        return new BatchUpdateException(
                e.getMessage(),
                e.getSQLState(),
                e.getErrorCode(),
                Arrays.copyOf(counts, rows.get(Math.min(done.length, rows.size() - 1))),
                e);
    }

    /** Refused, not partial, after a batch that ran on several shards (each shard's statement holds its own rows' keys). */
    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        if (keysSpanShards) {
            throw new java.sql.SQLFeatureNotSupportedException(
                    "shardline - the last batch ran on several shards, so its generated keys "
                            + "are split over them; batch per shard (or per tenant), or use RETURNING with executeQuery per row",
                    "0A000");
        }
        return super.getGeneratedKeys();
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        checkOpen();
        if (last instanceof PreparedStatement ps && !carrying.holds(last)) return ps.getMetaData();
        return conn.metadataStatement(sql).getMetaData();
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        checkOpen();
        if (last instanceof PreparedStatement ps && !carrying.holds(last)) return ps.getParameterMetaData();
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
}
