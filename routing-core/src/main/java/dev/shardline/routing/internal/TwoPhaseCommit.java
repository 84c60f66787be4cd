package dev.shardline.routing.internal;

import dev.shardline.routing.CrossShardException;
import dev.shardline.routing.SqlStates;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits one transaction that is open on several shard primaries so that it commits on all of
 * them or on none, with PostgreSQL's two-phase commit and a decision shard instead of a coordinator
 * log: every participant but the decision shard is prepared under a {@link Gid} naming the decision
 * shard's transaction id, then the decision shard's own transaction commits (that commit is the
 * decision), then the others are committed. Whoever finds a prepared transaction later (this
 * coordinator, {@link PreparedRecovery}, another process) decides it by asking the decision shard
 * whether that transaction committed. Knows nothing about routing, so cross-shard tenant
 * transactions can reuse it.
 */
final class TwoPhaseCommit {
    private static final Logger LOG = LoggerFactory.getLogger(TwoPhaseCommit.class);

    /** The points a test can stop the coordinator at, as a crash would. */
    enum Phase {
        /** Every participant but the decision shard is prepared; nothing is decided. */
        PREPARED,
        /** The decision shard committed; the prepared participants are not committed yet. */
        DECIDED
    }

    /** Test hook run at each {@link Phase}; an exception it throws stops the coordinator there. */
    interface Hook {
        void at(Phase phase, Gid gid) throws SQLException;
    }

    /** For drills only: the coordinator calls it at each phase. */
    static volatile Hook testHook;

    private final Engine engine;
    /** max_prepared_transactions per shard primary; it only changes with a server restart. */
    private final Map<Integer, Integer> maxPrepared = new ConcurrentHashMap<>();

    TwoPhaseCommit(Engine engine) {
        this.engine = engine;
    }

    /**
     * Checks that {@code shard}'s primary can prepare transactions, asking it once; throws a
     * CrossShardException naming max_prepared_transactions when it cannot.
     */
    void requirePrepareEnabled(int shard, Connection c) throws SQLException {
        Integer max = maxPrepared.get(shard);
        if (max == null) {
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT current_setting('max_prepared_transactions')::int")) {
                rs.next();
                max = rs.getInt(1);
            }
            maxPrepared.put(shard, max);
        }
        if (max <= 0) {
            throw new CrossShardException(
                    engine.shard(shard).name + " - max_prepared_transactions is 0, so a transaction on every shard "
                            + "cannot commit atomically (two-phase commit) and nothing was executed. Set max_prepared_transactions (e.g. 32, at least "
                            + "the number of concurrent such transactions) on every shard primary and replica and restart them, or run the "
                            + "statement with auto-commit on.",
                    SqlStates.CROSS_SHARD_TRANSACTION);
        }
    }

    /**
     * Commits the transaction open on every connection of {@code participants} (shard index →
     * connection with auto-commit off) atomically; {@code decision} is one of the keys. On return
     * it is committed on the decision shard and committed or left prepared (for recovery to commit)
     * on the others. Throws 40000 when it was rolled back everywhere, 08007 when the decision
     * shard's outcome could not be learned (recovery settles it later).
     */
    void commit(int decision, Map<Integer, Connection> participants) throws SQLException {
        Connection d = participants.get(decision);
        String decisionName = engine.shard(decision).name;
        long xid;
        // The decision must be durable before any participant commits: with synchronous_commit = off a
        // crash could lose a commit the others already followed, so this one commit waits for its flush.
        try (Statement st = d.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT txid_current(), CASE WHEN "
                                + "current_setting('synchronous_commit') = 'off' THEN set_config('synchronous_commit', 'local', true) END")) {
            rs.next();
            xid = rs.getLong(1);
        } catch (SQLException e) {
            rollbackAll(participants, List.of(), null);
            throw rolledBack(decisionName + " could not start the commit", e);
        }
        Gid gid = new Gid(decisionName, xid, UUID.randomUUID());
        List<Integer> prepared = new ArrayList<>();
        for (Map.Entry<Integer, Connection> p : participants.entrySet()) {
            if (p.getKey() == decision) continue;
            try (Statement st = p.getValue().createStatement()) {
                st.execute("PREPARE TRANSACTION '" + gid + "'");
                prepared.add(p.getKey());
            } catch (SQLException e) {
                // A failed PREPARE TRANSACTION rolls that transaction back; undo the rest before any decision.
                rollbackAll(participants, prepared, gid);
                throw rolledBack(engine.shard(p.getKey()).name + " could not prepare", e);
            }
        }
        hook(Phase.PREPARED, gid);
        try {
            d.commit();
        } catch (SQLException e) {
            // A lost connection leaves the commit's outcome unknown: the decision shard knows it.
            String status = statusOrNull(decision, xid);
            if ("aborted".equals(status)) {
                for (int p : prepared) finish(p, gid, false);
                throw rolledBack(decisionName + " could not commit", e);
            }
            if (!"committed".equals(status)) {
                throw new SQLException(
                        "shardline - the outcome of the transaction on every shard is unknown: " + decisionName
                                + " failed while committing (" + e.getMessage()
                                + ") and could not say whether it committed. Recovery "
                                + "(at start, periodically, or ShardlineDataSource.recoverPreparedTransactions()) completes or undoes it on every "
                                + "shard as " + decisionName + " decided; transaction " + gid,
                        "08007",
                        e);
            }
        }
        hook(Phase.DECIDED, gid);
        for (int p : prepared) {
            if (!finish(p, gid, true)) {
                LOG.warn(
                        "{} - committed transaction {} is still prepared there; recovery commits it",
                        engine.shard(p).name,
                        gid);
            }
        }
    }

    private void hook(Phase phase, Gid gid) throws SQLException {
        Hook h = testHook;
        if (h != null) h.at(phase, gid);
    }

    private void rollbackAll(Map<Integer, Connection> participants, List<Integer> prepared, Gid gid) {
        participants.forEach((shard, c) -> {
            if (prepared.contains(shard)) return;
            try {
                c.rollback();
            } catch (SQLException e) {
                // A lost connection rolled its transaction back already.
            }
        });
        // Safe even if this fails: nothing was decided, so recovery rolls them back too.
        for (int p : prepared) finish(p, gid, false);
    }

    private static SQLException rolledBack(String why, SQLException cause) {
        return new SQLException(
                "shardline - the transaction was rolled back on every shard, not committed: " + why + " ("
                        + cause.getMessage() + ")",
                "40000",
                cause);
    }

    /**
     * Runs COMMIT PREPARED or ROLLBACK PREPARED for {@code gid} on {@code shard}'s primary with a
     * connection of its own; returns false when it could not (it stays prepared for recovery).
     */
    boolean finish(int shard, Gid gid, boolean commit) {
        try (Connection c = engine.shard(shard).primary.acquire()) {
            finishOn(c, gid, commit);
            return true;
        } catch (SQLException e) {
            LOG.warn(
                    "{} - {} PREPARED '{}' failed: {}",
                    engine.shard(shard).name,
                    commit ? "COMMIT" : "ROLLBACK",
                    gid,
                    e.getMessage());
            return false;
        }
    }

    static void finishOn(Connection c, Gid gid, boolean commit) throws SQLException {
        if (!c.getAutoCommit()) c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
            st.execute((commit ? "COMMIT" : "ROLLBACK") + " PREPARED '" + gid + "'");
        } catch (SQLException e) {
            // Someone else (recovery, another process) finished it first.
            if (!"42704".equals(e.getSQLState())) throw e;
        }
    }

    /**
     * Returns what {@code shard}'s primary says of transaction {@code xid}: "committed", "aborted",
     * "in progress", or null when it is too old to tell; throws when the shard cannot be asked.
     */
    String status(int shard, long xid) throws SQLException {
        try (Connection c = engine.shard(shard).primary.acquire();
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT txid_status(?)")) {
            if (!c.getAutoCommit()) c.setAutoCommit(true);
            ps.setLong(1, xid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private String statusOrNull(int shard, long xid) {
        try {
            return status(shard, xid);
        } catch (SQLException e) {
            LOG.warn(
                    "{} - cannot ask for the outcome of transaction {}: {}",
                    engine.shard(shard).name,
                    xid,
                    e.getMessage());
            return "unknown";
        }
    }

    /**
     * The global id of one prepared participant: {@code shardline:<decision shard>:<xid>:<uuid>}.
     * The decision shard's transaction {@code xid} (with epoch, as {@code txid_current()} gives it)
     * committed if and only if this participant must commit.
     */
    record Gid(String decisionShard, long xid, UUID id) {
        static final String PREFIX = "shardline:";

        /** Parses a gid written by {@link #toString()}, or returns null for anyone else's. */
        static Gid parse(String gid) {
            if (gid == null || !gid.startsWith(PREFIX)) return null;
            int u = gid.lastIndexOf(':');
            int x = gid.lastIndexOf(':', u - 1);
            if (x <= PREFIX.length()) return null;
            try {
                return new Gid(
                        gid.substring(PREFIX.length(), x),
                        Long.parseLong(gid.substring(x + 1, u)),
                        UUID.fromString(gid.substring(u + 1)));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            // Shard names are plain identifiers (config validates them); a quote would break the literal.
            return PREFIX + decisionShard.replace("'", "") + ":" + xid + ":" + id;
        }
    }
}
