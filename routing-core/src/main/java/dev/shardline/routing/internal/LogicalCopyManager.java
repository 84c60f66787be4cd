package dev.shardline.routing.internal;

import dev.shardline.config.TenantHash;
import dev.shardline.routing.CrossShardException;
import dev.shardline.routing.ShardlineRoutingException;
import dev.shardline.routing.SqlStates;
import dev.shardline.routing.TenantRequiredException;
import dev.shardline.routing.Tenants;
import dev.shardline.routing.internal.Analysis.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyDual;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.Encoding;
import org.postgresql.util.ByteStreamWriter;

/**
 * pgJDBC's {@link CopyManager} on a Shardline connection ({@code unwrap(PGConnection.class).getCopyAPI()}).
 *
 * <p>{@code copyIn("COPY t [(cols)] FROM STDIN [options]", data)} into a sharded table is a
 * tenant-bound copy, as {@code ShardlineCopy}: it runs inside {@code Tenants.run(tenant, ...)}, the
 * rows are staged on the tenant's shard primary and every row's tenant column must be that tenant,
 * or nothing is written. With auto-commit on it commits by itself; inside a transaction it joins
 * the transaction (on the tenant's shard, SL002 if the transaction is on another). Any format and
 * options PostgreSQL accepts work (text, CSV, binary, HEADER...), but no WHERE, files or programs.
 *
 * <p>{@code copyOut("COPY (query) TO STDOUT ...")} and {@code copyOut("COPY t [(cols)] TO STDOUT ...")}
 * run the query (or {@code SELECT cols FROM t}) through the same analysis and routing as any
 * statement: a sharded table needs its tenant key in the query or a tenant context.
 *
 * <p>The streaming {@code copyIn(String)}, {@code copyOut(String)} and {@code copyDual} APIs are
 * refused: their rows cannot be checked before PostgreSQL sees them.
 */
final class LogicalCopyManager extends CopyManager {
    private final RoutingConnection conn;

    LogicalCopyManager(RoutingConnection conn) throws SQLException {
        super(NO_CONNECTION);
        this.conn = conn;
    }

    /** CopyManager's constructor reads the encoding and query executor; nothing else of it is ever used. */
    private static final BaseConnection NO_CONNECTION = (BaseConnection) Proxy.newProxyInstance(
            LogicalCopyManager.class.getClassLoader(),
            new Class<?>[] {BaseConnection.class},
            (proxy, m, args) -> switch (m.getName()) {
                case "getEncoding" -> Encoding.defaultEncoding();
                case "getQueryExecutor" -> null;
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default ->
                    throw new UnsupportedOperationException(
                            "shardline - no physical connection behind the CopyManager");
            });

    @Override
    public CopyIn copyIn(String sql) throws SQLException {
        throw streaming("copyIn(String)");
    }

    @Override
    public CopyOut copyOut(String sql) throws SQLException {
        throw streaming("copyOut(String)");
    }

    @Override
    public CopyDual copyDual(String sql) throws SQLException {
        throw streaming("copyDual(String)");
    }

    private static SQLException streaming(String what) {
        return new SQLFeatureNotSupportedException(
                "shardline - CopyManager." + what + " streams rows Shardline cannot check before they "
                        + "are written; use copyIn(sql, Reader|InputStream|ByteStreamWriter) or copyOut(sql, Writer|OutputStream)",
                "0A000");
    }

    @Override
    public long copyIn(String sql, Reader from) throws SQLException, IOException {
        return in(sql, (cm, s) -> cm.copyIn(s, from));
    }

    @Override
    public long copyIn(String sql, Reader from, int bufferSize) throws SQLException, IOException {
        return in(sql, (cm, s) -> cm.copyIn(s, from, bufferSize));
    }

    @Override
    public long copyIn(String sql, InputStream from) throws SQLException, IOException {
        return in(sql, (cm, s) -> cm.copyIn(s, from));
    }

    @Override
    public long copyIn(String sql, InputStream from, int bufferSize) throws SQLException, IOException {
        return in(sql, (cm, s) -> cm.copyIn(s, from, bufferSize));
    }

    @Override
    public long copyIn(String sql, ByteStreamWriter from) throws SQLException, IOException {
        return in(sql, (cm, s) -> cm.copyIn(s, from));
    }

    @Override
    public long copyOut(String sql, Writer to) throws SQLException, IOException {
        return out(sql, (cm, s) -> cm.copyOut(s, to));
    }

    @Override
    public long copyOut(String sql, OutputStream to) throws SQLException, IOException {
        return out(sql, (cm, s) -> cm.copyOut(s, to));
    }

    private long in(String sql, TenantCopy.Feed feed) throws SQLException, IOException {
        conn.checkOpen();
        CopySql cs = CopySql.parse(sql);
        if (!cs.in()) throw CopySql.refused("copyIn needs COPY ... FROM STDIN", sql);
        Engine engine = conn.engine();
        String column;
        try {
            column = TenantCopy.tenantColumn(engine, cs.table());
        } catch (ShardlineRoutingException e) {
            throw CopySql.refused(e.getMessage().substring("copy - ".length()), sql);
        }
        Object tenant = Tenants.current();
        if (tenant == null) {
            throw new TenantRequiredException(
                    "copy " + cs.table() + " - COPY FROM STDIN through Shardline copies one tenant's rows: run it "
                            + "inside Tenants.run(tenant, ...); every row's " + column
                            + " must be that tenant (checked before anything is written). "
                            + "Load several tenants with one copy per tenant.");
        }
        String canonical = TenantHash.canonical(tenant);
        if (!conn.autoCommit) return inTransaction(engine, cs, column, canonical, feed);
        // On the logical connection's own connection to the shard: a second borrow could wait on a small pool.
        EndpointPool pool = engine.shard(engine.shardIndexOf(canonical)).primary;
        try {
            return TenantCopy.copyInOwnTransaction(
                    engine, conn.physical(pool), cs.table(), cs.columns(), cs.options(), canonical, feed);
        } catch (SQLException e) {
            if (EndpointPool.isConnectionFailure(e)) conn.drop(pool, e);
            throw e;
        }
    }

    /** Inside the logical transaction: on its shard primary, aborting it on any failure as PostgreSQL would. */
    private long inTransaction(Engine engine, CopySql cs, String column, String tenant, TenantCopy.Feed feed)
            throws SQLException, IOException {
        if (conn.txFailure != null) {
            throw new SQLException(
                    "current transaction is aborted, commands ignored until end of transaction block",
                    "25P02",
                    conn.txFailure);
        }
        int shard = engine.shardIndexOf(tenant);
        EndpointPool pool = engine.shard(shard).primary;
        try {
            if (conn.txShard >= 0 && conn.txShard != shard) {
                throw new CrossShardException(
                        "This transaction is on " + engine.shard(conn.txShard).name + " and the copy for tenant "
                                + tenant + " goes to " + engine.shard(shard).name
                                + "; a transaction must stay on one shard, so nothing was copied.",
                        SqlStates.CROSS_SHARD_TRANSACTION);
            }
            Connection c = conn.txPrimary("copyIn");
            conn.held.setTenant(pool, c, tenant);
            long n = TenantCopy.copyChecked(c, cs.table(), column, cs.columns(), cs.options(), tenant, feed);
            conn.txWrote = true;
            return n;
        } catch (SQLException e) {
            if (EndpointPool.isConnectionFailure(e)) conn.drop(pool, e);
            if (conn.txFailure == null) conn.txFailure = e;
            throw e;
        } catch (IOException | RuntimeException e) {
            if (conn.txFailure == null) conn.txFailure = new SQLException("copy failed: " + e.getMessage(), "58030", e);
            throw e;
        }
    }

    private long out(String sql, TenantCopy.Feed feed) throws SQLException {
        conn.checkOpen();
        CopySql cs = CopySql.parse(sql);
        if (cs.in()) throw CopySql.refused("copyOut needs COPY ... TO STDOUT", sql);
        String query = cs.query() != null
                ? cs.query()
                : "SELECT "
                        + (cs.columns().isEmpty()
                                ? "*"
                                : cs.columns().substring(1, cs.columns().length() - 1)) + " FROM "
                        + org.postgresql.core.Utils.escapeIdentifier(null, cs.table());
        Analysis a = conn.engine().analyzer().analyze(query);
        if (a.kind() != Kind.READ) throw CopySql.refused("COPY ... TO STDOUT takes a query that only reads", sql);
        boolean[] started = {false};
        Long n = conn.execute(a, new Params(), (c, g) -> {
            // A replica read is retried elsewhere when its connection is lost; part of the output may be written by
            // then.
            // (Not an 08 state: the connection it would be blamed on is healthy.)
            if (started[0]) {
                throw new SQLException(
                        "copy - the connection was lost while the output was being written; nothing is retried "
                                + "(the output may be partial). Run the copy again.",
                        "58030");
            }
            started[0] = true;
            try {
                return feed.copy(
                        c.unwrap(PGConnection.class).getCopyAPI(),
                        "COPY (" + (g != null ? g : query) + ") TO STDOUT " + cs.options());
            } catch (IOException e) {
                throw new SQLException("copy - writing the output failed: " + e.getMessage(), "58030", e);
            }
        });
        return n == null ? 0 : n;
    }
}
