package dev.shardline.routing.internal;

import dev.shardline.config.TenantHash;
import dev.shardline.routing.CrossTenantException;
import dev.shardline.routing.ShardlineRoutingException;
import java.io.IOException;
import java.io.Reader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * A tenant-bound {@code COPY ... FROM STDIN} into one sharded table: the rows go to a temporary table
 * on the tenant's shard primary, are checked to all carry that tenant, and only then are inserted, in
 * one transaction — a file with another tenant's row writes nothing.
 */
public final class TenantCopy {
    private static final Pattern IDENT = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String STAGE = "shardline_copy_in";

    /** Sends the data of a {@code COPY ... FROM STDIN} statement through a physical connection's CopyManager. */
    @FunctionalInterface
    interface Feed {
        long copy(CopyManager copy, String sql) throws SQLException, IOException;
    }

    private TenantCopy() {}

    /**
     * Copies {@code data} (PostgreSQL text format, or CSV if {@code csv}) into {@code table} for
     * {@code tenant} and returns the number of rows written.
     *
     * @throws CrossTenantException if a row's tenant column is not {@code tenant} (nothing is written)
     * @throws ShardlineRoutingException if {@code table} is not a declared sharded table
     */
    public static long copyIn(Engine engine, String table, Object tenant, boolean csv, Reader data)
            throws SQLException, IOException {
        String name = table == null ? null : table.toLowerCase(java.util.Locale.ROOT);
        return copyIn(engine, name, "", csv ? "WITH (FORMAT csv)" : "", tenant, (cm, sql) -> cm.copyIn(sql, data));
    }

    /** As {@link #copyIn(Engine, String, Object, boolean, Reader)} with a column list and COPY options as written. */
    static long copyIn(Engine engine, String table, String columns, String options, Object tenant, Feed feed)
            throws SQLException, IOException {
        String canonical = TenantHash.canonical(tenant);
        Shard shard = engine.shard(engine.shardIndexOf(canonical));
        try (Connection c = shard.primary.acquire()) {
            return copyInOwnTransaction(engine, c, table, columns, options, canonical, feed);
        }
    }

    /**
     * Copies on {@code c}, a connection to the tenant's shard primary in auto-commit mode, in a
     * transaction of its own that commits only if every row is the tenant's; {@code c} is back in
     * auto-commit mode afterwards, its session tenant setting untouched (the copy sets it locally).
     */
    static long copyInOwnTransaction(
            Engine engine, Connection c, String table, String columns, String options, String tenant, Feed feed)
            throws SQLException, IOException {
        String column = tenantColumn(engine, table);
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT set_config('" + Exprs.CONTEXT_SETTING + "', ?, true)")) {
                ps.setString(1, tenant);
                ps.execute();
            }
            long rows = copyChecked(c, table, column, columns, options, tenant, feed);
            c.commit();
            engine.writes().record(WriteTracker.shardKey(engine.shardIndexOf(tenant)));
            return rows;
        } catch (SQLException | IOException | RuntimeException e) {
            if (!c.isClosed()) c.rollback();
            throw e;
        } finally {
            if (!c.isClosed()) c.setAutoCommit(auto);
        }
    }

    /** Returns the tenant column of the sharded {@code table}, or throws naming what is wrong. */
    static String tenantColumn(Engine engine, String table) {
        if (table == null
                || !IDENT.matcher(table).matches()
                || !engine.config().tables().isSharded(table)) {
            throw new ShardlineRoutingException(
                    "copy - '" + table + "' is not a declared sharded table (tables.sharded in shardline.yaml); "
                            + "copy into a sharded table, or load a broadcast table with INSERT through Shardline");
        }
        return engine.config().tables().tenantColumnOf(table);
    }

    /**
     * Stages the rows in a temporary table on {@code c} (inside its open transaction), checks every
     * row's tenant, inserts them into {@code table} and drops the stage. The caller owns the
     * transaction and the tenant setting.
     */
    static long copyChecked(
            Connection c, String table, String column, String columns, String options, String tenant, Feed feed)
            throws SQLException, IOException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE " + STAGE + " (LIKE " + table + " INCLUDING DEFAULTS) ON COMMIT DROP");
        }
        long copied = feed.copy(
                c.unwrap(PGConnection.class).getCopyAPI(), "COPY " + STAGE + " " + columns + " FROM STDIN " + options);
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*), min(" + column + "::text) FROM " + STAGE
                + " WHERE " + column + "::text IS DISTINCT FROM ?")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    throw new CrossTenantException("copy " + table + " - " + rs.getLong(1) + " of " + copied
                            + " rows are not tenant '" + tenant + "' (e.g. '" + rs.getString(2)
                            + "'); nothing was written. Copy each tenant's rows with its own copy.");
                }
            }
        }
        try (Statement s = c.createStatement()) {
            long written = s.executeLargeUpdate("INSERT INTO " + table + " SELECT * FROM " + STAGE);
            s.execute("DROP TABLE " + STAGE);
            return written;
        }
    }
}
