package dev.shardline.cdc.internal;

import dev.shardline.config.ShardSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one shard's replication slot as {@code pg_replication_slots} reports it, read off the
 * HTTP thread every few seconds: WAL retained ({@code lag.bytes}), {@code wal_status} and
 * {@code safe_wal_size} (WAL left before PostgreSQL invalidates the slot under
 * {@code max_slot_wal_keep_size}). Logs a warning when the slot moves toward invalidation.
 */
final class SlotHealth {
    private static final Logger LOG = LoggerFactory.getLogger(SlotHealth.class);

    private final ShardSpec shard;
    private final String slot;
    private volatile double lagBytes = Double.NaN;
    private volatile double safeWalBytes = Double.NaN;
    private volatile String walStatus = "unknown";

    SlotHealth(ShardSpec shard, String slot) {
        this.shard = shard;
        this.slot = slot;
    }

    double lagBytes() {
        return lagBytes;
    }

    /** Returns {@code safe_wal_size} in bytes; NaN when unknown or unlimited ({@code max_slot_wal_keep_size = -1}). */
    double safeWalBytes() {
        return safeWalBytes;
    }

    /** Returns {@code wal_status}: reserved, extended, unreserved, lost, or unknown (no slot yet, server unreachable). */
    String walStatus() {
        return walStatus;
    }

    /** 0 reserved, 1 extended, 2 unreserved, 3 lost, -1 unknown: for the {@code slot.status} gauge. */
    double statusCode() {
        return switch (walStatus) {
            case "reserved" -> 0;
            case "extended" -> 1;
            case "unreserved" -> 2;
            case "lost" -> 3;
            default -> -1;
        };
    }

    boolean lost() {
        return "lost".equals(walStatus);
    }

    /** Rereads the slot; never throws (an unreachable server leaves the state unknown). */
    void refresh() {
        String before = walStatus;
        try (Connection c = SourceAdmin.connect(shard.primary());
                PreparedStatement ps = c.prepareStatement(
                        "SELECT wal_status, safe_wal_size, pg_current_wal_lsn() - confirmed_flush_lsn "
                                + "FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    walStatus = "unknown";
                    return;
                }
                walStatus = String.valueOf(rs.getString(1));
                long safe = rs.getLong(2);
                safeWalBytes = rs.wasNull() ? Double.NaN : safe;
                double lag = rs.getDouble(3);
                lagBytes = rs.wasNull() ? Double.NaN : lag;
            }
        } catch (Exception e) {
            walStatus = "unknown";
            lagBytes = Double.NaN;
            return;
        }
        if (!walStatus.equals(before)
                && ("unreserved".equals(walStatus) || "lost".equals(walStatus) || "extended".equals(walStatus))) {
            LOG.warn(
                    "cdc {} - slot {} wal_status is {} (safe_wal_size {} bytes){}",
                    shard.name(),
                    slot,
                    walStatus,
                    (long) safeWalBytes,
                    lost()
                            ? ": PostgreSQL invalidated it and removed WAL it needed; run `cdc resnapshot --shard "
                                    + shard.name() + "`"
                            : ": the sidecar lags; PostgreSQL invalidates the slot past max_slot_wal_keep_size");
        }
    }

    /** The error a shard whose slot was invalidated reports. */
    String lostMessage() {
        return "cdc " + shard.name() + " - replication slot " + slot
                + " was invalidated by PostgreSQL (wal_status lost: it fell "
                + "further behind than max_slot_wal_keep_size), so changes of this shard are gone from the WAL; stop the sidecar and run "
                + "`shardline cdc resnapshot --shard " + shard.name()
                + " --config shardline.yaml` to copy the shard into the sinks again";
    }
}
