package dev.shardline.routing.internal;

import dev.shardline.routing.RecoveryReport;
import dev.shardline.routing.internal.TwoPhaseCommit.Gid;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles the transactions {@link TwoPhaseCommit} left prepared (a coordinator that crashed, a
 * connection lost after the decision): each prepared transaction whose gid starts with
 * {@code shardline:} is committed when its decision shard's transaction committed, rolled back
 * when it aborted or is too old to tell, and left alone while it is in progress (a coordinator
 * may be between PREPARE and its decision right now).
 */
final class PreparedRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(PreparedRecovery.class);

    private PreparedRecovery() {}

    /** Runs one pass over every shard primary; a shard that cannot be reached is skipped and logged. */
    static RecoveryReport run(Engine engine, TwoPhaseCommit tpc) {
        int committed = 0;
        int rolledBack = 0;
        int left = 0;
        Map<String, String> outcomes = new HashMap<>();
        for (int s = 0; s < engine.shardCount(); s++) {
            Shard shard = engine.shard(s);
            try (Connection c = shard.primary.acquire()) {
                if (!c.getAutoCommit()) c.setAutoCommit(true);
                for (Gid gid : preparedGids(c)) {
                    String outcome = outcomes.computeIfAbsent(
                            gid.decisionShard() + ":" + gid.xid(), k -> outcome(engine, tpc, gid));
                    switch (outcome) {
                        case "committed" -> {
                            TwoPhaseCommit.finishOn(c, gid, true);
                            committed++;
                            LOG.warn(
                                    "{} - recovery committed prepared transaction {} ({} committed it)",
                                    shard.name,
                                    gid,
                                    gid.decisionShard());
                        }
                        case "aborted" -> {
                            TwoPhaseCommit.finishOn(c, gid, false);
                            rolledBack++;
                            LOG.warn(
                                    "{} - recovery rolled back prepared transaction {} ({} did not commit it)",
                                    shard.name,
                                    gid,
                                    gid.decisionShard());
                        }
                        default -> left++;
                    }
                }
            } catch (SQLException e) {
                LOG.warn("{} - recovery of prepared transactions skipped this shard: {}", shard.name, e.getMessage());
            }
        }
        return new RecoveryReport(committed, rolledBack, left);
    }

    private static List<Gid> preparedGids(Connection c) throws SQLException {
        List<Gid> out = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE 'shardline:%'")) {
            while (rs.next()) {
                Gid g = Gid.parse(rs.getString(1));
                if (g != null) out.add(g);
            }
        }
        return out;
    }

    /** Returns "committed", "aborted" (including too old to tell), or "leave" (in progress, or the decision shard cannot say). */
    private static String outcome(Engine engine, TwoPhaseCommit tpc, Gid gid) {
        int decision = -1;
        for (int i = 0; i < engine.shardCount(); i++)
            if (engine.shard(i).name.equals(gid.decisionShard())) decision = i;
        if (decision < 0) {
            LOG.warn(
                    "recovery - prepared transaction {} names decision shard '{}', which this configuration does not have; left prepared",
                    gid,
                    gid.decisionShard());
            return "leave";
        }
        try {
            String status = tpc.status(decision, gid.xid());
            if (status == null) return "aborted";
            return status.equals("committed") || status.equals("aborted") ? status : "leave";
        } catch (SQLException e) {
            LOG.warn(
                    "{} - recovery cannot learn the outcome of {}: {}; left prepared",
                    gid.decisionShard(),
                    gid,
                    e.getMessage());
            return "leave";
        }
    }
}
