package dev.shardline.routing.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Wraps the JDBC objects a physical connection hands out so that none of them leads back to it:
 * {@code getConnection()} and {@code getStatement()} answer the logical connection and statement,
 * and {@code unwrap} gives nothing physical away. Everything else is passed through.
 */
final class LogicalFacade implements InvocationHandler {
    private final Object target;
    private final Connection logicalConnection;
    private Statement logicalStatement;
    // What the target is, decided once: invoke() runs on every call of a result set the application reads.
    private final boolean resultSet;
    private final boolean callable;
    private final boolean metaData;

    private LogicalFacade(Object target, Connection logicalConnection, Statement logicalStatement) {
        this.target = target;
        this.logicalConnection = logicalConnection;
        this.logicalStatement = logicalStatement;
        this.resultSet = target instanceof ResultSet;
        this.callable = target instanceof java.sql.CallableStatement;
        this.metaData = target instanceof DatabaseMetaData;
    }

    static DatabaseMetaData metaData(DatabaseMetaData md, Connection logical) {
        return (DatabaseMetaData) Proxy.newProxyInstance(
                LogicalFacade.class.getClassLoader(),
                new Class<?>[] {DatabaseMetaData.class},
                new LogicalFacade(md, logical, null));
    }

    /**
     * A callable statement of a physical connection that leads back to the logical one only: its
     * {@code getConnection()}, its result sets' {@code getStatement().getConnection()} and
     * {@code unwrap} give no physical connection away (on one, any SQL would run unchecked).
     */
    static java.sql.CallableStatement callable(java.sql.CallableStatement cs, Connection logical) {
        LogicalFacade h = new LogicalFacade(cs, logical, null);
        java.sql.CallableStatement proxy = (java.sql.CallableStatement) Proxy.newProxyInstance(
                LogicalFacade.class.getClassLoader(), new Class<?>[] {java.sql.CallableStatement.class}, h);
        h.logicalStatement = proxy;
        return proxy;
    }

    /**
     * The refusal of a large-object method. pgJDBC reads and writes large objects through the
     * physical connection by oid; a large object lives outside every table, so no tenant owns it and
     * any tenant could read or overwrite another's by naming its oid (as {@code lo_get} in SQL, which
     * the isolation check refuses).
     */
    static java.sql.SQLFeatureNotSupportedException largeObjects(String method) {
        return new java.sql.SQLFeatureNotSupportedException(
                "shardline - " + method + " is not supported: large objects belong to no tenant (any tenant could "
                        + "read or overwrite one by its oid); store the bytes or text in a bytea or text column",
                "0A000");
    }

    /** Whether {@code method} opens a large object (getBlob, getClob, getObject(i, Blob.class), ...). */
    private static boolean readsLargeObject(String method, Object[] args) {
        if (method.equals("getBlob") || method.equals("getClob") || method.equals("getNClob")) return true;
        return method.equals("getObject")
                && args != null
                && args.length == 2
                && args[1] instanceof Class<?> type
                && (java.sql.Blob.class.isAssignableFrom(type) || java.sql.Clob.class.isAssignableFrom(type));
    }

    static SQLException unwrapNull() {
        return new SQLException("shardline - unwrap(null): name the interface to unwrap to", "22023");
    }

    /** ResultSet methods that write a row through the physical connection (updateXxx, insertRow, ...). */
    private static boolean isRowWrite(String method) {
        return method.startsWith("update")
                || method.equals("insertRow")
                || method.equals("deleteRow")
                || method.equals("moveToInsertRow");
    }

    /**
     * An Array whose {@code getResultSet(...)} result sets lead back to the logical connection only:
     * pgJDBC builds them on a statement of the physical connection, whose {@code getConnection()}
     * would hand out an unchecked connection to the shard.
     */
    static java.sql.Array array(java.sql.Array a, Connection logical, Statement statement) {
        if (a == null || a instanceof Proxy) return a;
        return (java.sql.Array) Proxy.newProxyInstance(
                LogicalFacade.class.getClassLoader(),
                new Class<?>[] {java.sql.Array.class},
                new LogicalFacade(a, logical, statement));
    }

    /** The physical object behind a facade this class made, or {@code o} itself. */
    static Object physical(Object o) {
        if (o instanceof Proxy && Proxy.getInvocationHandler(o) instanceof LogicalFacade f) return f.target;
        return o;
    }

    static ResultSet resultSet(ResultSet rs, Connection logical, Statement statement) {
        if (rs == null) return null;
        return (ResultSet) Proxy.newProxyInstance(
                LogicalFacade.class.getClassLoader(),
                new Class<?>[] {ResultSet.class},
                new LogicalFacade(rs, logical, statement));
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        String name = m.getName();
        if (resultSet && isRowWrite(name)) {
            // Statements are created read-only (ConnectionPlumbing.concurrency); this names the reason even where a
            // physical result set would still be updatable.
            throw new java.sql.SQLFeatureNotSupportedException(
                    "shardline - ResultSet." + name + " is not supported: an updatable result set's row writes "
                            + "would bypass tenant routing and checks; write with UPDATE, INSERT or DELETE naming "
                            + "the tenant key",
                    "0A000");
        }
        if ((resultSet || callable) && readsLargeObject(name, args)) {
            throw largeObjects((resultSet ? "ResultSet." : "CallableStatement.") + name);
        }
        if (callable
                && (name.equals("setBlob")
                        || name.equals("setClob") && args[1] instanceof java.sql.Clob
                        || name.equals("setNClob") && args[1] instanceof java.sql.NClob)) {
            throw largeObjects("CallableStatement." + name);
        }
        if (metaData
                && name.equals("supportsResultSetConcurrency")
                && ((Integer) args[1]) == ResultSet.CONCUR_UPDATABLE) {
            return false;
        }
        switch (name) {
            case "getConnection":
                if (m.getParameterCount() == 0) return logicalConnection;
                break;
            case "getStatement":
                if (m.getParameterCount() == 0) return logicalStatement;
                break;
            case "unwrap":
                Class<?> iface = (Class<?>) args[0];
                if (iface == null) throw unwrapNull();
                if (iface.isInstance(proxy)) return proxy;
                throw new SQLException(
                        "shardline - not a wrapper for " + iface.getName()
                                + "; physical connections and their objects are not handed out",
                        "0A000");
            case "getURL":
                // The shard's URL as configured may carry a password parameter; pgJDBC would return it as is.
                if (target instanceof DatabaseMetaData md) return dev.shardline.config.Endpoint.redact(md.getURL());
                break;
            case "isWrapperFor":
                return args[0] != null && ((Class<?>) args[0]).isInstance(proxy);
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            default:
                break;
        }
        try {
            Object out = m.invoke(target, args);
            // Metadata answers are result sets too; they must not lead back to the physical connection either.
            if (out instanceof ResultSet rs && !(out instanceof Proxy))
                return resultSet(rs, logicalConnection, logicalStatement);
            // pgJDBC's Array answers getResultSet() with a result set whose statement is a physical one.
            if (out instanceof java.sql.Array a && !(out instanceof Proxy))
                return array(a, logicalConnection, logicalStatement);
            return out;
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
