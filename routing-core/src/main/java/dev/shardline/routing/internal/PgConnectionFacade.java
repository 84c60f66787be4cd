package dev.shardline.routing.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Arrays;
import org.postgresql.PGConnection;
import org.postgresql.core.Utils;

/**
 * What {@code unwrap(PGConnection.class)} gives on a Shardline connection: pgJDBC's extension
 * interface answered by Shardline, not by a physical connection. {@code getCopyAPI()} returns a
 * {@link LogicalCopyManager} that routes COPY; {@code escapeIdentifier}/{@code escapeLiteral} work
 * as pgJDBC's (standard-conforming strings, as Shardline pins). Every other method belongs to one
 * physical connection (large objects, fastpath, notifications, backend pid, replication...) and
 * is refused: {@link SQLFeatureNotSupportedException} (0A000), or
 * {@link UnsupportedOperationException} where the method declares no SQLException.
 */
final class PgConnectionFacade implements InvocationHandler {
    private final RoutingConnection conn;

    private PgConnectionFacade(RoutingConnection conn) {
        this.conn = conn;
    }

    static PGConnection of(RoutingConnection conn) {
        return (PGConnection) Proxy.newProxyInstance(
                PgConnectionFacade.class.getClassLoader(),
                new Class<?>[] {PGConnection.class},
                new PgConnectionFacade(conn));
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        switch (m.getName()) {
            case "getCopyAPI":
                conn.checkOpen();
                return new LogicalCopyManager(conn);
            case "escapeIdentifier":
                return Utils.escapeIdentifier(null, (String) args[0]).toString();
            case "escapeLiteral":
                return Utils.escapeLiteral(null, (String) args[0], true).toString();
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            case "toString":
                return "shardline PGConnection facade of " + conn;
            default:
                break;
        }
        String msg = "shardline - PGConnection." + m.getName()
                + " belongs to one physical connection and is not available through "
                + "Shardline; only getCopyAPI(), escapeIdentifier() and escapeLiteral() are";
        if (Arrays.asList(m.getExceptionTypes()).contains(SQLException.class))
            throw new SQLFeatureNotSupportedException(msg, "0A000");
        throw new UnsupportedOperationException(msg);
    }
}
