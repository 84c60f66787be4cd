package dev.shardline.routing.internal;

import dev.shardline.routing.Tenants;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.Set;

/**
 * The transaction state of a logical connection, kept as PostgreSQL keeps it: bound to one shard
 * primary by its first statement, aborted by any error until it ends (later statements fail with
 * 25P02, {@code commit()} rolls back and throws), failed for good when its backend is lost.
 */
abstract class TransactionalConnection extends ConnectionPlumbing {
    final Engine engine;
    final HeldConnections held;
    boolean autoCommit = true;
    boolean autoCommitAfterTx;
    int txShard = -1;
    boolean txWrote;
    Set<String> txTenants;
    /** Whether a statement for a tenant bound the open transaction to its shard. */
    boolean txPinned;
    /** The open transaction when it runs statements on every shard primary (committed with two-phase commit), or null. */
    BroadcastTransaction broadcastTx;
    /** Why the open transaction can only be rolled back (a failed statement, a lost connection), or null. */
    SQLException txFailure;

    TransactionalConnection(Engine engine) {
        this.engine = engine;
        this.held = new HeldConnections(engine);
    }

    @Override
    HeldConnections held() {
        return held;
    }

    @Override
    Connection defaultPhysical() throws SQLException {
        return physical(engine.shard(engine.defaultShard()).primary);
    }

    /**
     * False once closed. Otherwise asks every held physical connection and gives up the dead ones
     * (a lost transaction primary fails its transaction, as always), so the next statement borrows a
     * live connection instead of failing: the logical connection itself stays usable.
     */
    @Override
    public boolean isValid(int timeout) throws SQLException {
        if (timeout < 0) throw new SQLException("timeout must not be negative, was " + timeout, "22023");
        if (isClosed()) return false;
        held.forEach((id, c) -> {
            if (!c.isValid(timeout)) {
                drop(
                        engine.endpoint(id),
                        new SQLException(engine.endpoint(id).id() + " - connection is no longer valid", "08003"));
            }
        });
        return true;
    }

    /** Returns this logical connection's physical connection to {@code pool}, borrowing it on first use. */
    Connection physical(EndpointPool pool) throws SQLException {
        StatementTracing.endpoint(pool);
        return held.get(pool, autoCommit, holdability);
    }

    /** Gives up a failed connection; a primary lost inside the transaction fails the transaction. */
    void drop(EndpointPool pool, SQLException cause) {
        held.drop(pool, cause);
        if (pool.isPrimary() && txShard == pool.shardIndex && !autoCommit && txFailure == null) {
            txFailure = new SQLException(
                    "the connection to " + pool.id() + " was lost inside the transaction; none of it can commit",
                    "08006",
                    cause);
        }
    }

    Connection txPrimary(String what) throws SQLException {
        int s = txShard;
        if (broadcastTx != null) {
            throw new dev.shardline.routing.CrossShardException(
                    what + " inside a transaction that runs on every shard: a savepoint "
                            + "would be on one shard only, so it is not supported there.",
                    dev.shardline.routing.SqlStates.CROSS_SHARD_TRANSACTION);
        }
        if (s < 0 && Tenants.current() != null) {
            s = engine.shardOfContext(Tenants.current());
            txPinned = true;
        }
        if (s < 0) {
            throw new SQLException(
                    what + " before the transaction's first statement: Shardline does not know the shard yet. "
                            + "Run a statement first, or set the tenant with Tenants.run(tenantId, ...).",
                    "25000");
        }
        if (!autoCommit) txShard = s;
        return physical(engine.shard(s).primary);
    }

    @Override
    public void setAutoCommit(boolean on) throws SQLException {
        checkOpen();
        if (on == autoCommit) return;
        if (on) commit();
        autoCommit = on;
        autoCommitAfterTx = false;
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        return autoCommit;
    }

    @Override
    public void commit() throws SQLException {
        checkOpen();
        if (autoCommit) throw new SQLException("Cannot commit when autoCommit is enabled.", "25P01");
        if (txFailure != null) {
            SQLException cause = txFailure;
            try {
                rollbackHeld();
            } finally {
                endTransaction();
            }
            throw new SQLException(
                    "The transaction was rolled back, not committed: an earlier statement in it failed ("
                            + cause.getMessage() + ")",
                    cause.getSQLState() != null && cause.getSQLState().startsWith("08") ? "08006" : "40000",
                    cause);
        }
        try {
            if (broadcastTx != null) {
                broadcastTx.commit();
            } else if (txShard >= 0) {
                Connection c = held.peek(engine.shard(txShard).primary.id);
                if (c != null) c.commit();
                if (txWrote) {
                    engine.writes().record(WriteTracker.shardKey(txShard));
                    if (txTenants != null) txTenants.forEach(engine.writes()::record);
                }
            }
            endOtherPrimaries();
        } finally {
            endTransaction();
        }
    }

    /**
     * Other primaries held with auto-commit off ran only metadata and catalog reads (statements are
     * bound to the transaction's shard); end their implicit transactions so none stays idle in one.
     */
    private void endOtherPrimaries() throws SQLException {
        int txPool = txShard >= 0 ? engine.shard(txShard).primary.id : -1;
        held.forEach((id, c) -> {
            if (id != txPool && engine.endpoint(id).isPrimary() && !c.getAutoCommit()) c.commit();
        });
    }

    @Override
    public void rollback() throws SQLException {
        checkOpen();
        if (autoCommit) throw new SQLException("Cannot rollback when autoCommit is enabled.", "25P01");
        try {
            rollbackHeld();
        } finally {
            endTransaction();
        }
    }

    private void rollbackHeld() throws SQLException {
        held.forEach((id, c) -> {
            if (!engine.endpoint(id).isPrimary()) return;
            try {
                if (!c.getAutoCommit()) c.rollback();
            } catch (SQLException e) {
                drop(engine.endpoint(id), e);
            }
        });
    }

    void endTransaction() {
        held.forgetTenants();
        endTransactionState();
    }

    private void endTransactionState() {
        txFailure = null;
        txShard = -1;
        txPinned = false;
        broadcastTx = null;
        txWrote = false;
        txTenants = null;
        if (autoCommitAfterTx) {
            autoCommit = true;
            autoCommitAfterTx = false;
        }
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        return txPrimary("setSavepoint()").setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        return txPrimary("setSavepoint()").setSavepoint(name);
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        txPrimary("rollback(savepoint)").rollback(savepoint);
        held.forgetTenants();
        // The server's own state is back to the savepoint; a lost connection cannot be undone that way.
        if (txFailure != null && !"08006".equals(txFailure.getSQLState())) txFailure = null;
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        txPrimary("releaseSavepoint()").releaseSavepoint(savepoint);
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        if (txShard >= 0)
            throw new SQLException(
                    "Cannot change transaction isolation level in the middle of a transaction.", "25001");
        // Checked before it is kept: an unsupported level stored here broke every later borrow of this connection.
        if (level != Connection.TRANSACTION_READ_UNCOMMITTED
                && level != Connection.TRANSACTION_READ_COMMITTED
                && level != Connection.TRANSACTION_REPEATABLE_READ
                && level != Connection.TRANSACTION_SERIALIZABLE)
            throw new java.sql.SQLFeatureNotSupportedException(
                    "Transaction isolation level " + level + " not supported.", "0A000");
        held.forEach((id, c) -> c.setTransactionIsolation(level));
        held.isolation = level;
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        return held.isolation >= 0 ? held.isolation : Connection.TRANSACTION_READ_COMMITTED;
    }

    @Override
    public void setReadOnly(boolean ro) throws SQLException {
        checkOpen();
        held.readOnly = ro;
        held.forEach((id, c) -> {
            if (engine.endpoint(id).isPrimary()) c.setReadOnly(ro);
        });
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return held.readOnly;
    }
}
