package dev.shardline.routing.internal;

import dev.shardline.routing.CrossShardException;
import dev.shardline.routing.SqlStates;
import dev.shardline.routing.Tenants;
import dev.shardline.routing.internal.Analysis.Kind;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A logical connection: cheap to open, it borrows physical connections from the endpoint pools
 * only when a statement needs one, keeps them until it is closed, and holds a transaction on
 * exactly one shard primary. Reads outside transactions go to replicas and move to another replica
 * or the primary when one fails.
 */
final class RoutingConnection extends TransactionalConnection {
    private boolean closed;
    private Connection scatterConn;

    RoutingConnection(Engine engine) {
        super(engine);
    }

    Engine engine() {
        return engine;
    }

    @Override
    RoutingConnection logical() {
        return this;
    }

    /**
     * Routes {@code a} and runs {@code body} on the chosen physical connection: retries a failed
     * replica read elsewhere, broadcasts DDL, binds the transaction to its shard and records writes.
     */
    <T> T execute(Analysis a, Params params, Exec<T> body) throws SQLException {
        return engine.tracing().trace(a, () -> run(a, params, body));
    }

    private <T> T run(Analysis a, Params params, Exec<T> body) throws SQLException {
        checkOpen();
        if (a.kind() == Kind.TCL) return tcl(a, body);
        if (txFailure != null && !autoCommit) {
            throw new SQLException(
                    "current transaction is aborted, commands ignored until end of transaction block (cause: "
                            + txFailure.getMessage() + ")",
                    "25P02",
                    txFailure);
        }
        try {
            if (a.kind() == Kind.SESSION) return session(a, body);
            if (a.text() != null
                    && (a.kind() == Kind.UNVERIFIABLE || a.violation() != null)
                    && a.shardedTables().isEmpty()) {
                String noOp = NoOpSettings.replacement(a, params, engine);
                if (noOp != null) return body.run(anyPhysical(), noOp);
            }
            Route r =
                    engine.router().route(a, params, Tenants.current(), txShard, !autoCommit, Tenants.scatterAllowed());
            return switch (r.target()) {
                case ALL_PRIMARIES -> broadcast(a, body);
                case SCATTER -> scatter(a, body);
                case ONE -> one(a, r, body);
            };
        } catch (SQLException e) {
            // As in PostgreSQL: after any error the transaction can only roll back, whether the server or Shardline
            // refused.
            if (!autoCommit && txFailure == null) txFailure = e;
            throw e;
        }
    }

    /**
     * Throws what {@link #execute} would refuse {@code a} with before running anything (analysis
     * verdict, routing, context), without running it; a statement batch checks every statement first so
     * a refused one leaves nothing half-applied. Transaction-bound checks (a second shard inside a
     * transaction) still happen when each statement runs.
     */
    Route preflight(Analysis a, Params params) throws SQLException {
        checkOpen();
        if (a.kind() == Kind.TCL || a.kind() == Kind.SESSION) return null;
        if (a.text() != null
                && (a.kind() == Kind.UNVERIFIABLE || a.violation() != null)
                && a.shardedTables().isEmpty()
                && NoOpSettings.replacement(a, params, engine) != null) return null;
        return engine.router().route(a, params, Tenants.current(), txShard, !autoCommit, Tenants.scatterAllowed());
    }

    /** Whether this connection commits each statement on its own (a statement batch may then run as one). */
    boolean autoCommitting() {
        return autoCommit;
    }

    private <T> T one(Analysis a, Route r, Exec<T> body) throws SQLException {
        if (!autoCommit) bindTransaction(r);
        Shard shard = engine.shard(r.shard());
        EndpointPool pool = r.replica() ? pickReplica(shard, r, null) : shard.primary;
        for (int attempt = 0; ; attempt++) {
            Connection c;
            try {
                c = physical(pool);
            } catch (SQLException e) {
                // A replica that cannot even give a connection is down: read elsewhere.
                if (pool.isPrimary() || attempt >= shard.replicas.length) throw e;
                pool.healthy = false;
                pool = pickReplica(shard, r, pool);
                continue;
            }
            long t0 = System.nanoTime();
            try {
                T out = runWithTenant(pool, c, r, body);
                pool.okTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                if (a.kind() != Kind.READ) noteWrite(r);
                return out;
            } catch (SQLException e) {
                pool.errorTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                boolean lost = EndpointPool.isConnectionFailure(e) || isClosedQuietly(c);
                if (lost) drop(pool, e);
                if (pool.isPrimary() || attempt >= shard.replicas.length) throw e;
                if (lost) {
                    pool.healthy = false;
                    pool = pickReplica(shard, r, pool);
                } else if ("25006".equals(e.getSQLState())) {
                    // A SELECT that writes (nextval, a volatile function): the primary must run it.
                    pool = shard.primary;
                } else {
                    throw e;
                }
            }
        }
    }

    /** Runs {@code body} with the route's tenant setting in place, carried in the statement's own round trip when it can be. */
    private <T> T runWithTenant(EndpointPool pool, Connection c, Route r, Exec<T> body) throws SQLException {
        String tenant = r.settingTenant();
        if (body instanceof Exec.CarriesTenant<T> carrier
                && held.needsTenant(pool, c, tenant)
                && carrier.canCarryTenant()) {
            T out;
            try {
                out = carrier.runCarryingTenant(c, r.guardedSql(), tenant);
            } catch (SQLException | RuntimeException e) {
                held.tenantUnknown(pool, c);
                throw e;
            }
            held.tenantWasSet(pool, c, tenant);
            return out;
        }
        held.setTenant(pool, c, tenant);
        return body.run(c, r.guardedSql());
    }

    private EndpointPool pickReplica(Shard shard, Route r, EndpointPool exclude) {
        long since = WriteTracker.NEVER;
        if (engine.settings().readYourWrites()) {
            since = engine.writes()
                    .lastWriteNanos(r.tenantKey() != null ? r.tenantKey() : WriteTracker.shardKey(shard.index));
        }
        EndpointPool replica = shard.replicaFor(since, exclude);
        return replica != null ? replica : shard.primary;
    }

    private void bindTransaction(Route r) throws SQLException {
        if (r.tenantKey() != null) {
            if (broadcastTx != null) throw BroadcastTransaction.tenantRefused(engine, r);
            txPinned = true;
        }
        if (txShard < 0) {
            txShard = r.shard();
        } else if (txShard != r.shard()) {
            throw new CrossShardException(
                    "This transaction is on " + engine.shard(txShard).name + " and the statement routes to "
                            + engine.shard(r.shard()).name + " (" + r.reason()
                            + "); a transaction must stay on one shard, so nothing was executed. "
                            + "Commit first, or keep one transaction per tenant.",
                    SqlStates.CROSS_SHARD_TRANSACTION);
        }
    }

    private void noteWrite(Route r) {
        if (autoCommit) {
            engine.writes().record(WriteTracker.shardKey(r.shard()));
            if (r.tenantKey() != null) engine.writes().record(r.tenantKey());
        } else {
            txWrote = true;
            if (r.tenantKey() != null) {
                if (txTenants == null) txTenants = new HashSet<>();
                if (txTenants.size() < 64) txTenants.add(r.tenantKey());
            }
        }
    }

    private <T> T broadcast(Analysis a, Exec<T> body) throws SQLException {
        int n = engine.shardCount();
        // Inside a transaction: on every shard primary, committed on all or none (two-phase commit).
        if (!autoCommit && n > 1) return BroadcastTransaction.join(this, a).runEverywhere(a, body);
        T first = null;
        List<String> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Shard s = engine.shard(i);
            try {
                T out = body.run(physical(s.primary), null);
                if (i == 0) first = out;
                done.add(s.name);
            } catch (SQLException e) {
                if (EndpointPool.isConnectionFailure(e)) drop(s.primary, e);
                if (done.isEmpty()) throw e;
                throw new SQLException(
                        "Applied on " + done + " but failed on " + s.name + ": " + e.getMessage()
                                + ". Fix the cause and run it again (IF NOT EXISTS / IF EXISTS make it safe to repeat). Statement: "
                                + Router.abbreviate(a.sql()),
                        e.getSQLState(),
                        e);
            }
        }
        if (a.kind() == Kind.DDL) {
            engine.scatter().markStale();
            engine.analyzer().invalidate();
        }
        for (int i = 0; i < n && a.kind() != Kind.DDL; i++) engine.writes().record(WriteTracker.shardKey(i));
        return first;
    }

    private <T> T scatter(Analysis a, Exec<T> body) throws SQLException {
        if (!autoCommit) {
            throw new CrossShardException(
                    "A scatter read cannot run inside a transaction (it reads every shard). Run it with auto-commit on. "
                            + "Statement: " + Router.abbreviate(a.sql()),
                    SqlStates.CROSS_SHARD_TRANSACTION);
        }
        if (scatterConn == null) scatterConn = engine.scatter().dataSource().getConnection();
        return body.run(scatterConn, null);
    }

    private <T> T session(Analysis a, Exec<T> body) throws SQLException {
        List<T> out = new ArrayList<>(1);
        held.forEach((id, c) -> out.add(body.run(c, null)));
        if (out.isEmpty())
            out.add(body.run(physical(engine.shard(txShard >= 0 ? txShard : engine.defaultShard()).primary), null));
        held.rememberSession(a.sql());
        return out.get(0);
    }

    private <T> T tcl(Analysis a, Exec<T> body) throws SQLException {
        String verb = a.sql().strip().split("\\s+")[0].toUpperCase(java.util.Locale.ROOT);
        switch (verb) {
            case "BEGIN", "START" -> {
                if (autoCommit) {
                    setAutoCommit(false);
                    autoCommitAfterTx = true;
                }
                return null;
            }
            case "COMMIT", "END" -> {
                commit();
                return null;
            }
            case "ROLLBACK", "ABORT" -> {
                if (a.sql().toUpperCase(java.util.Locale.ROOT).contains(" TO ")) {
                    T out = body.run(txPrimary("ROLLBACK TO SAVEPOINT"), null);
                    held.forgetTenants();
                    if (txFailure != null && !"08006".equals(txFailure.getSQLState())) txFailure = null;
                    return out;
                }
                rollback();
                return null;
            }
            default -> {
                return body.run(txPrimary(verb), null);
            }
        }
    }

    private static boolean isClosedQuietly(Connection c) {
        try {
            return c.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    @Override
    Connection anyPhysical() throws SQLException {
        return physical(engine.shard(txShard >= 0 ? txShard : engine.defaultShard()).primary);
    }

    /**
     * Groups batch rows by the shard each routes to, keeping row order within a group. Inside a
     * transaction rows on several shards are refused before anything runs.
     */
    Map<Integer, List<Integer>> groupByShard(Analysis a, List<Params> rows) throws SQLException {
        try {
            return groupRows(a, rows);
        } catch (SQLException e) {
            if (!autoCommit && txFailure == null) txFailure = e;
            throw e;
        }
    }

    private Map<Integer, List<Integer>> groupRows(Analysis a, List<Params> rows) throws SQLException {
        if (txFailure != null && !autoCommit) {
            throw new SQLException(
                    "current transaction is aborted, commands ignored until end of transaction block",
                    "25P02",
                    txFailure);
        }
        return BatchGroups.byShard(engine, a, rows, txShard, !autoCommit);
    }

    /** Returns a physical statement for metadata questions asked before execution. */
    PreparedStatement metadataStatement(String sql) throws SQLException {
        return anyPhysical().prepareStatement(sql);
    }

    @Override
    void checkOpen() throws SQLException {
        if (closed) throw new SQLException("connection is closed", "08003");
    }

    /** Stored-procedure calls run on the primary of the context tenant's shard (or the default shard). */
    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        return LogicalFacade.callable(callTarget(sql).prepareCall(sql), this);
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency) throws SQLException {
        return LogicalFacade.callable(callTarget(sql).prepareCall(sql, type, concurrency(concurrency)), this);
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency, int holdability) throws SQLException {
        return LogicalFacade.callable(
                callTarget(sql).prepareCall(sql, type, concurrency(concurrency), holdability), this);
    }

    private Connection callTarget(String sql) throws SQLException {
        checkOpen();
        if (Tenants.unrestrictedReason() == null && !engine.analyzer().isTenantFreeQuery(sql)) {
            throw new dev.shardline.routing.UnverifiableStatementException(
                    "prepareCall runs a procedure or function whose body Shardline "
                            + "cannot check; call it inside Tenants.unrestricted(reason, ...) (it then runs on the context tenant's shard), or write "
                            + "it as a query the isolation rule can prove");
        }
        Object t = Tenants.current();
        int s = txShard >= 0 ? txShard : t != null ? engine.shardOfContext(t) : engine.defaultShard();
        if (!autoCommit) txShard = s;
        return physical(engine.shard(s).primary);
    }

    // ---- metadata and plumbing ----

    @Override
    public void close() throws SQLException {
        if (closed) return;
        closed = true;
        release();
    }

    private void release() throws SQLException {
        SQLException first = held.closeAll();
        if (scatterConn != null) {
            try {
                scatterConn.close();
            } catch (SQLException e) {
                if (first == null) first = e;
            }
        }
        if (first != null && !EndpointPool.isConnectionFailure(first)) throw first;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closed at once; on {@code executor}, the held connections' sockets are closed (a statement
     * running on another thread fails) and they go back to the pool, which discards them.
     */
    @Override
    public void abort(Executor executor) throws SQLException {
        if (executor == null)
            throw new SQLException("shardline - abort(executor): the executor must not be null", "22023");
        if (closed) return;
        closed = true;
        executor.execute(() -> {
            held.abortAll(Runnable::run);
            try {
                release();
            } catch (SQLException ignored) {
                // aborted connections fail on the way back; the pool discards them
            }
        });
    }

    /**
     * Refused unless it names the current schema (a no-op): a different search path changes which
     * tables the statements name, and Shardline proves isolation against the shards' default one.
     * Qualify names instead.
     */
    @Override
    public void setSchema(String schema) throws SQLException {
        checkOpen();
        if (schema != null && schema.equals(getSchema())) return;
        throw new dev.shardline.routing.UnverifiableStatementException(
                "setSchema(" + schema + ") would change name resolution on "
                        + "pooled connections; Shardline analyses statements against the default search_path. Qualify table names instead.");
    }
}
