package dev.shardline.cdc.internal;

import dev.shardline.config.ShardSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The right to stream one shard: a session-level advisory lock on the shard primary, keyed by the
 * slot name, held on a connection of its own. One sidecar holds it; any other sidecar for the same
 * shard waits as a hot standby. The lock ends with its session, so a sidecar that dies (even by
 * SIGKILL) releases it as soon as PostgreSQL sees the connection close.
 */
final class ShardLease implements AutoCloseable {
    /** First half of the advisory lock key, so Shardline's locks do not collide with the application's. */
    private static final int NAMESPACE = 0x5348_4443; // "SHDC"

    private final ShardSpec shard;
    private final String slot;
    private Connection conn;
    private volatile boolean held;
    private volatile String unreachable;

    ShardLease(ShardSpec shard, String slot) {
        this.shard = shard;
        this.slot = slot;
    }

    boolean held() {
        return held;
    }

    /** Returns why the last {@link #refresh} could not ask for the lock, or {@code null} when it could (another sidecar holds it). */
    String unreachable() {
        return unreachable;
    }

    /**
     * Checks a held lease is still alive (its connection answers), else tries to take it; returns
     * whether this sidecar holds it now. Never throws: an unreachable primary means not held.
     */
    synchronized boolean refresh() {
        if (held) {
            try {
                if (conn.isValid(2)) return true;
            } catch (SQLException e) {
                // fall through: the session and its lock are gone
            }
            held = false;
            closeConnection();
        }
        try {
            if (conn == null) conn = SourceAdmin.connect(shard.primary());
            try (PreparedStatement ps = conn.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
                ps.setInt(1, NAMESPACE);
                ps.setString(2, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    held = rs.getBoolean(1);
                }
            }
            unreachable = null;
        } catch (SQLException | RuntimeException e) {
            held = false;
            unreachable = e.getMessage();
            closeConnection();
        }
        return held;
    }

    private void closeConnection() {
        if (conn == null) return;
        try {
            conn.close();
        } catch (SQLException ignored) {
            // a broken session: its lock is gone with it
        }
        conn = null;
    }

    /** Releases the lease (closing its session releases the lock). */
    @Override
    public synchronized void close() {
        held = false;
        closeConnection();
    }
}
