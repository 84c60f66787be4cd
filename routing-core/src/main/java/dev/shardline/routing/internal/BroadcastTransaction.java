package dev.shardline.routing.internal;

import dev.shardline.routing.CrossShardException;
import dev.shardline.routing.SqlStates;
import dev.shardline.routing.internal.Analysis.Kind;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A transaction of one logical connection that runs statements on every shard primary (DDL,
 * writes to broadcast tables) and commits on all of them or none, with {@link TwoPhaseCommit}; its
 * decision shard is the shard the transaction's other statements use (the default shard). Statements
 * for a tenant may not join it, and it may not join a transaction that already ran one: that
 * tenant's shard would commit with the others, but the rule stays one transaction, one tenant shard.
 */
final class BroadcastTransaction {
    private final TransactionalConnection conn;
    private boolean ddl;

    private BroadcastTransaction(TransactionalConnection conn) {
        this.conn = conn;
    }

    /**
     * Returns {@code conn}'s broadcast transaction, making its open transaction one (after checking
     * every primary can prepare transactions) when it is not yet.
     */
    static BroadcastTransaction join(TransactionalConnection conn, Analysis a) throws SQLException {
        if (conn.broadcastTx != null) return conn.broadcastTx;
        Engine engine = conn.engine;
        if (conn.txPinned) {
            throw new CrossShardException(
                    "This transaction is on " + engine.shard(conn.txShard).name + " for a tenant, and "
                            + what(a)
                            + " runs on every shard; a transaction may not mix them, so nothing was executed. Commit first, or run "
                            + "it in a transaction of its own. Statement: " + Router.abbreviate(a.sql()),
                    SqlStates.CROSS_SHARD_TRANSACTION);
        }
        for (int i = 0; i < engine.shardCount(); i++) {
            engine.twoPhase().requirePrepareEnabled(i, conn.physical(engine.shard(i).primary));
        }
        BroadcastTransaction tx = new BroadcastTransaction(conn);
        if (conn.txShard < 0) conn.txShard = engine.defaultShard();
        conn.broadcastTx = tx;
        return tx;
    }

    /** Refuses a tenant's statement inside a broadcast transaction, naming both. */
    static CrossShardException tenantRefused(Engine engine, Route r) {
        return new CrossShardException(
                "This transaction runs statements on every shard (DDL or broadcast-table writes) and this "
                        + "statement is for tenant " + r.tenantKey() + " on " + engine.shard(r.shard()).name
                        + "; a transaction may not mix them, "
                        + "so nothing was executed. Commit first, or run it in a transaction of its own.",
                SqlStates.CROSS_SHARD_TRANSACTION);
    }

    /** Runs {@code body} on every shard primary inside the transaction; returns the first shard's result. */
    <T> T runEverywhere(Analysis a, Exec<T> body) throws SQLException {
        Engine engine = conn.engine;
        T first = null;
        for (int i = 0; i < engine.shardCount(); i++) {
            Shard s = engine.shard(i);
            try {
                T out = body.run(conn.physical(s.primary), null);
                if (i == 0) first = out;
            } catch (SQLException e) {
                if (EndpointPool.isConnectionFailure(e)) conn.drop(s.primary, e);
                throw e;
            }
        }
        if (a.kind() == Kind.DDL) {
            ddl = true;
            // Later statements of this transaction are analysed against the changed schema as far as the
            // probe can see it; after the commit everything is analysed afresh.
            engine.analyzer().invalidate();
        } else {
            conn.txWrote = true;
        }
        return first;
    }

    /** Commits on every shard primary or none (two-phase commit); throws 40000 when it rolled back everywhere. */
    void commit() throws SQLException {
        Engine engine = conn.engine;
        Map<Integer, Connection> participants = new LinkedHashMap<>();
        List<String> lost = new ArrayList<>();
        for (int i = 0; i < engine.shardCount(); i++) {
            Connection c = conn.held.peek(engine.shard(i).primary.id);
            if (c == null) {
                lost.add(engine.shard(i).name);
            } else {
                participants.put(i, c);
            }
        }
        if (!lost.isEmpty()) {
            for (Connection c : participants.values()) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // a lost connection rolled back by itself
                }
            }
            throw new SQLException(
                    "shardline - the transaction was rolled back on every shard, not committed: the connection to "
                            + lost + " was lost inside it",
                    "40000");
        }
        try {
            engine.twoPhase().commit(conn.txShard, participants);
        } finally {
            if (ddl) {
                engine.analyzer().invalidate();
                engine.scatter().markStale();
            }
        }
        if (conn.txWrote) {
            for (int i = 0; i < engine.shardCount(); i++) engine.writes().record(WriteTracker.shardKey(i));
        }
    }

    private static String what(Analysis a) {
        return a.kind() == Kind.DDL ? "DDL" : "a write to broadcast tables";
    }
}
