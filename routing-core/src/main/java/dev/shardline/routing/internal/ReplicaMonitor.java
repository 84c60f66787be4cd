package dev.shardline.routing.internal;

import dev.shardline.config.Endpoint;
import dev.shardline.config.WalPosition;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every endpoint on a fixed interval over connections of its own (never the application's
 * pools): a replica that is down or more than {@code maxReplicaLag} behind is ejected, and rejoins
 * when it answers and catches up. It also records, per replica, the moment up to which it has
 * replayed all of its primary's commits — the basis of read-your-writes.
 */
final class ReplicaMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaMonitor.class);

    private final List<Shard> shards;
    private final Duration maxLag;
    private final WriteTracker writes;
    private final ScheduledExecutorService exec;
    private final Map<EndpointPool, Connection> conns = new java.util.concurrent.ConcurrentHashMap<>();
    final ReplayPositions positions = new ReplayPositions();

    ReplicaMonitor(List<Shard> shards, Duration interval, Duration maxLag, WriteTracker writes) {
        this.shards = shards;
        this.maxLag = maxLag;
        this.writes = writes;
        this.exec = Executors.newScheduledThreadPool(Math.min(4, Math.max(1, shards.size())), r -> {
            Thread t = new Thread(r, "shardline-health");
            t.setDaemon(true);
            return t;
        });
        for (Shard s : shards) {
            exec.scheduleWithFixedDelay(
                    () -> check(s), interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        exec.scheduleWithFixedDelay(() -> writes.expireOlderThan(2 * maxLag.toNanos()), 1, 1, TimeUnit.SECONDS);
    }

    /** Runs one check of every shard now, in the caller's thread (used at start-up). */
    void checkAllNow() {
        shards.forEach(this::check);
    }

    void check(Shard s) {
        try {
            long sampledAt = System.nanoTime();
            // The insert position, not the write position: with synchronous_commit off a commit is
            // acknowledged before its WAL is written, and it must still count as "before the sample".
            String primaryLsn = query(s.primary, "SELECT pg_current_wal_insert_lsn()::text");
            positions.record(s.primary, primaryLsn);
            for (EndpointPool r : s.replicas) checkReplica(r, primaryLsn, sampledAt);
        } catch (RuntimeException e) {
            LOG.warn("{} - health check failed unexpectedly: {}", s.name, e.toString());
        }
    }

    private void checkReplica(EndpointPool r, String primaryLsn, long sampledAt) {
        String replayed = query(r, "SELECT coalesce(pg_last_wal_replay_lsn(), '0/0')::text");
        positions.record(r, replayed);
        if (replayed == null) {
            setHealthy(r, false, "not answering");
            return;
        }
        if (primaryLsn == null) {
            // The primary is down: nothing new can be committed, so the replica is as current as it
            // can be; keep serving reads from it (lag is frozen, not growing).
            setHealthy(r, true, "");
            return;
        }
        // Sampling the primary first means everything committed before sampledAt is in primaryLsn.
        if (WalPosition.caughtUp(replayed, primaryLsn)) r.caughtUpNanos = sampledAt;
        r.lagMillis = Math.max(0, (System.nanoTime() - r.caughtUpNanos) / 1_000_000);
        boolean ok = r.lagMillis <= maxLag.toMillis();
        setHealthy(r, ok, ok ? "" : "lagging " + r.lagMillis + " ms (maxReplicaLag " + maxLag.toMillis() + " ms)");
    }

    private void setHealthy(EndpointPool e, boolean ok, String why) {
        if (e.healthy != ok) {
            if (ok) {
                LOG.info("{} - healthy again, rejoins read routing", e.id());
            } else {
                LOG.warn("{} - ejected from read routing: {}", e.id(), why);
            }
        }
        e.healthy = ok;
    }

    /** Returns the first column of one row, or null when the endpoint does not answer. */
    private String query(EndpointPool e, String sql) {
        try {
            Connection c = conns.get(e);
            if (c == null || c.isClosed()) {
                c = open(e.endpoint);
                synchronized (conns) {
                    conns.put(e, c);
                }
            }
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                String v = rs.getString(1);
                if (e.isPrimary()) e.healthy = true;
                return v;
            }
        } catch (SQLException ex) {
            closeQuietly(e);
            if (e.isPrimary()) e.healthy = false;
            return null;
        }
    }

    private static Connection open(Endpoint e) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", e.username());
        p.setProperty("password", e.password() == null ? "" : e.password());
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "5");
        p.setProperty("ApplicationName", "shardline-health");
        return DriverManager.getConnection(e.jdbcUrl(), p);
    }

    private void closeQuietly(EndpointPool e) {
        Connection c;
        synchronized (conns) {
            c = conns.remove(e);
        }
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is already broken
            }
        }
    }

    @Override
    public void close() {
        exec.shutdownNow();
        synchronized (conns) {
            conns.values().forEach(c -> {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing a broken monitor connection
                }
            });
            conns.clear();
        }
    }
}
