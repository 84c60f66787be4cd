package dev.shardline.cdc.internal;

import dev.shardline.cdc.CdcConfig;
import dev.shardline.cdc.InvalidationRule;
import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.config.Endpoint;
import dev.shardline.config.ShardSpec;
import dev.shardline.config.TableRules;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Checks a shard primary can feed the pipeline and owns the replication objects Shardline names:
 * the publication and the slot. Every failure names the shard and says how to fix it.
 */
public final class SourceAdmin {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SourceAdmin.class);
    private final CdcConfig cdc;
    private final TableRules rules;

    public SourceAdmin(CdcConfig cdc, TableRules rules) {
        this.cdc = cdc;
        this.rules = rules;
    }

    /** Opens a plain connection to a shard primary, failing with the shard name and the fix. */
    public static Connection connect(Endpoint e) {
        Properties p = new Properties();
        p.setProperty("user", e.username());
        p.setProperty("password", e.password());
        p.setProperty("connectTimeout", "5");
        p.setProperty("ApplicationName", "shardline-cdc");
        try {
            return DriverManager.getConnection(e.jdbcUrl(), p);
        } catch (SQLException ex) {
            throw new ShardlineCdcException(
                    "cdc " + e.shard() + " - cannot connect to " + e.jdbcUrl() + ": " + ex.getMessage()
                            + "; check the server is running and reachable and the shard's primary URL and credentials in shardline.yaml",
                    ex);
        }
    }

    /**
     * Validates {@code shard} (wal_level, tables, replica identity, free slot) and creates or updates
     * its publication; returns the captured tables as found in its catalog.
     */
    public Map<String, SourceTable> prepare(ShardSpec shard) {
        try (Connection c = connect(shard.primary())) {
            String walLevel = scalar(c, "SHOW wal_level");
            if (!"logical".equals(walLevel)) {
                throw fail(
                        shard,
                        "wal_level is '" + walLevel
                                + "' but CDC needs 'logical'; set wal_level = logical in postgresql.conf "
                                + "(or ALTER SYSTEM SET wal_level = logical) and restart the server");
            }
            Map<String, SourceTable> tables = new LinkedHashMap<>();
            for (String t : cdc.tables()) tables.put(t, describe(c, shard, t));
            for (InvalidationRule r : cdc.invalidations()) checkRule(c, shard, r, tables.get(r.table()));
            checkSlotRoom(c, shard);
            ensurePublication(c, shard);
            return tables;
        } catch (SQLException e) {
            throw fail(
                    shard,
                    "catalog query failed: " + e.getMessage()
                            + "; check the user may read the catalog and create publications");
        }
    }

    /** Drops this pipeline's slot and publication on {@code shard}; returns what was dropped. */
    public List<String> cleanup(ShardSpec shard) {
        List<String> dropped = new ArrayList<>();
        try (Connection c = connect(shard.primary());
                Statement s = c.createStatement()) {
            if (dropSlot(c, cdc.slotName(shard.name()))) dropped.add("slot " + cdc.slotName(shard.name()));
            if (scalar(c, "SELECT count(*) FROM pg_publication WHERE pubname = '" + cdc.publicationName() + "'")
                    .equals("1")) {
                s.execute("DROP PUBLICATION " + cdc.publicationName());
                dropped.add("publication " + cdc.publicationName());
            }
            return dropped;
        } catch (SQLException e) {
            throw fail(shard, "cleanup failed: " + e.getMessage() + "; stop the running sidecar first, then retry");
        }
    }

    /** Drops this pipeline's slot on {@code shard} (ending a holder left by a killed run); returns whether it existed. */
    public boolean dropSlot(ShardSpec shard) {
        try (Connection c = connect(shard.primary())) {
            return dropSlot(c, cdc.slotName(shard.name()));
        } catch (SQLException e) {
            throw fail(
                    shard,
                    "cannot drop slot " + cdc.slotName(shard.name()) + ": " + e.getMessage()
                            + "; stop the running sidecar first, then retry");
        }
    }

    private static boolean dropSlot(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return false;
                int pid = rs.getInt(1);
                if (!rs.wasNull()) {
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT pg_terminate_backend(" + pid + ")");
                    }
                }
            }
        }
        dropInactiveSlot(c, slot);
        return true;
    }

    private static void dropInactiveSlot(Connection c, String slot) throws SQLException {
        // A terminated walsender releases the slot asynchronously; retry briefly.
        for (int i = 0; ; i++) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                ps.setString(1, slot);
                ps.execute();
                return;
            } catch (SQLException e) {
                if (i >= 50 || !String.valueOf(e.getMessage()).contains("is active")) throw e;
                sleep(100);
            }
        }
    }

    /** Returns {@code table} as {@code shard}'s catalog describes it now (after schema changes). */
    public SourceTable describe(ShardSpec shard, String table) {
        try (Connection c = connect(shard.primary())) {
            return describe(c, shard, table);
        } catch (SQLException e) {
            throw fail(
                    shard,
                    "cannot read table '" + table + "' from the catalog: " + e.getMessage()
                            + "; check the server is reachable");
        }
    }

    private SourceTable describe(Connection c, ShardSpec shard, String table) throws SQLException {
        Map<String, String> cols = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                        + "WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            ps.setString(1, "public." + table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) cols.put(rs.getString(1), rs.getString(2));
            }
        }
        if (cols.isEmpty()) {
            throw fail(
                    shard,
                    "table '" + table + "' listed in cdc.tables does not exist in schema public; "
                            + "create it (run the migrations) or remove it from cdc.tables");
        }
        List<String> pk = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT a.attname FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, n) ON true "
                        + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                        + "WHERE i.indrelid = to_regclass(?) AND i.indisprimary ORDER BY k.n")) {
            ps.setString(1, "public." + table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) pk.add(rs.getString(1));
            }
        }
        if (pk.isEmpty()) {
            throw fail(
                    shard,
                    "table '" + table
                            + "' has no primary key, so its rows cannot be matched in the sinks; add a primary key");
        }
        String tenant = rules.tenantColumnOf(table);
        if (tenant != null && !cols.containsKey(tenant)) {
            throw fail(
                    shard,
                    "table '" + table + "' has no tenant column '" + tenant
                            + "' (tables.sharded); fix the column name in shardline.yaml");
        }
        if (tenant != null && !pk.contains(tenant)) {
            String identity =
                    scalar(c, "SELECT relreplident FROM pg_class WHERE oid = to_regclass('public." + table + "')");
            if (!"f".equals(identity)) {
                throw fail(
                        shard,
                        "table '" + table + "' - deletes would not carry the tenant column '" + tenant
                                + "' because it is not in the primary key; run ALTER TABLE " + table
                                + " REPLICA IDENTITY FULL "
                                + "or make the primary key (" + tenant + ", ...)");
            }
        }
        return new SourceTable(table, cols, pk, tenant);
    }

    /**
     * An invalidation rule must name columns the table has, and a delete must carry them (primary
     * key, or REPLICA IDENTITY FULL): otherwise the first change of the table would halt the shard.
     */
    private static void checkRule(Connection c, ShardSpec shard, InvalidationRule rule, SourceTable table)
            throws SQLException {
        for (String col : List.of(rule.tenantColumn(), rule.idColumn())) {
            if (!table.columns().containsKey(col)) {
                throw fail(
                        shard,
                        "cdc.invalidate." + rule.table() + " names column '" + col + "' but table '" + rule.table()
                                + "' has no such column (it has "
                                + String.join(", ", table.columns().keySet()) + "); fix the rule in shardline.yaml");
            }
            if (!table.primaryKey().contains(col)) {
                String identity = scalar(
                        c, "SELECT relreplident FROM pg_class WHERE oid = to_regclass('public." + rule.table() + "')");
                if (!"f".equals(identity)) {
                    throw fail(
                            shard,
                            "cdc.invalidate." + rule.table() + " uses column '" + col
                                    + "', which is not in the primary key, so "
                                    + "deletes would not carry it; run ALTER TABLE " + rule.table()
                                    + " REPLICA IDENTITY FULL or key the rule on primary key columns");
                }
            }
        }
    }

    private void checkSlotRoom(Connection c, ShardSpec shard) throws SQLException {
        String slot = cdc.slotName(shard.name());
        if (scalar(c, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'")
                .equals("1")) {
            if ("lost"
                    .equals(scalar(
                            c, "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '" + slot + "'"))) {
                throw new ShardlineCdcException(new SlotHealth(shard, slot).lostMessage());
            }
            return; // a holder is ended only by the sidecar that takes the shard's lease (releaseSlot)
        }
        int used = Integer.parseInt(scalar(c, "SELECT count(*) FROM pg_replication_slots"));
        int max = Integer.parseInt(scalar(c, "SHOW max_replication_slots"));
        if (used >= max) {
            throw fail(
                    shard,
                    "all replication slots are in use (" + used + " of max_replication_slots = " + max
                            + "); drop unused slots (SELECT slot_name, active FROM pg_replication_slots; pg_drop_replication_slot(name)) "
                            + "or raise max_replication_slots and restart the server");
        }
    }

    /**
     * Ends the backend still holding this pipeline's slot on {@code shard}; call it only while
     * holding the shard's lease, so the holder can only be a dead or fenced-off sidecar.
     */
    public void releaseSlot(ShardSpec shard) {
        try (Connection c = connect(shard.primary())) {
            String slot = cdc.slotName(shard.name());
            if (scalar(c, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'")
                    .equals("1")) {
                releaseStaleHolder(c, shard, slot);
            }
        } catch (SQLException e) {
            throw fail(
                    shard,
                    "cannot release slot " + cdc.slotName(shard.name()) + ": " + e.getMessage()
                            + "; check the server is reachable");
        }
    }

    /**
     * A sidecar killed without closing its connection leaves its walsender holding the slot until
     * the server notices (wal_sender_timeout, 60 s by default). This pipeline owns the slot's name,
     * so the holder is a previous run of it: end that backend instead of waiting.
     */
    private static void releaseStaleHolder(Connection c, ShardSpec shard, String slot) throws SQLException {
        String pid =
                scalar(c, "SELECT coalesce(active_pid, 0) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        if ("0".equals(pid)) return;
        LOG.warn(
                "cdc {} - slot {} is still held by backend {} (an earlier run of this pipeline); terminating it",
                shard.name(),
                slot,
                pid);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(" + pid + ")");
        }
        for (int i = 0; i < 50; i++) {
            if ("0"
                    .equals(scalar(
                            c,
                            "SELECT coalesce(active_pid, 0) FROM pg_replication_slots WHERE slot_name = '" + slot
                                    + "'"))) return;
            sleep(100);
        }
    }

    /** The table the heartbeat action query writes to, one row per slot, so that a quiet shard's slot still advances. */
    public static final String HEARTBEAT_TABLE = "shardline_cdc_heartbeat";

    /** Returns Debezium's heartbeat action query for {@code slot}: it writes a change the slot must stream and confirm. */
    public static String heartbeatQuery(String slot) {
        return "INSERT INTO public." + HEARTBEAT_TABLE + " (slot, at) VALUES ('" + slot + "', now()) "
                + "ON CONFLICT (slot) DO UPDATE SET at = EXCLUDED.at";
    }

    private void ensurePublication(Connection c, ShardSpec shard) throws SQLException {
        String pub = cdc.publicationName();
        List<String> wanted = new ArrayList<>(cdc.tables().stream()
                .filter(t -> !rules.isBroadcast(t) || isFirst(shard))
                .map(t -> "public." + t)
                .toList());
        if (!cdc.heartbeat().isZero()) {
            // Other tables' WAL moves past a quiet captured table without a message the slot could confirm;
            // the heartbeat query writes into this table, which the publication carries.
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS public." + HEARTBEAT_TABLE
                        + " (slot text PRIMARY KEY, at timestamptz NOT NULL)");
            }
            wanted.add("public." + HEARTBEAT_TABLE);
        }
        try (Statement s = c.createStatement()) {
            boolean exists = scalar(c, "SELECT count(*) FROM pg_publication WHERE pubname = '" + pub + "'")
                    .equals("1");
            String list = String.join(", ", wanted);
            if (wanted.isEmpty()) {
                // only broadcast tables, streamed from another shard: an empty publication keeps the slot idle
                if (exists) s.execute("DROP PUBLICATION " + pub);
                s.execute("CREATE PUBLICATION " + pub);
            } else {
                s.execute(
                        exists
                                ? "ALTER PUBLICATION " + pub + " SET TABLE " + list
                                : "CREATE PUBLICATION " + pub + " FOR TABLE " + list);
            }
        }
    }

    private boolean isFirst(ShardSpec shard) {
        return broadcastShard != null && broadcastShard.equals(shard.name());
    }

    private String broadcastShard;

    /** Names the one shard that streams broadcast tables (every shard holds the same copy). */
    public SourceAdmin broadcastFrom(String shard) {
        this.broadcastShard = shard;
        return this;
    }

    static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static ShardlineCdcException fail(ShardSpec shard, String msg) {
        return new ShardlineCdcException("cdc " + shard.name() + " - " + msg);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
