package dev.shardline.routing.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
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

    // Each facade's proxy class, looked up once: Proxy.newProxyInstance finds the class and reflects on its
    // constructor every time, a tenth of Shardline's own CPU on a Hibernate find that reads one row.
    private static final MethodHandle RESULT_SET = proxyConstructor(ResultSet.class);
    private static final MethodHandle CALLABLE = proxyConstructor(java.sql.CallableStatement.class);
    private static final MethodHandle ARRAY = proxyConstructor(java.sql.Array.class);
    private static final MethodHandle META_DATA = proxyConstructor(DatabaseMetaData.class);

    /** What a method of a wrapped object needs from {@link #invoke}, decided once per method. */
    private enum Kind {
        PASS,
        ROW_WRITE,
        LOB_READ,
        GET_OBJECT,
        LOB_SET,
        SUPPORTS_CONCURRENCY,
        GET_CONNECTION,
        GET_STATEMENT,
        UNWRAP,
        GET_URL,
        IS_WRAPPER_FOR,
        EQUALS,
        HASH_CODE;

        static Kind of(Method m) {
            String name = m.getName();
            int params = m.getParameterCount();
            if (name.startsWith("update")
                    || name.equals("insertRow")
                    || name.equals("deleteRow")
                    || name.equals("moveToInsertRow")) return ROW_WRITE;
            return switch (name) {
                case "getBlob", "getClob", "getNClob" -> LOB_READ;
                case "getObject" -> params == 2 ? GET_OBJECT : PASS;
                case "setBlob", "setClob", "setNClob" -> LOB_SET;
                case "supportsResultSetConcurrency" -> SUPPORTS_CONCURRENCY;
                case "getConnection" -> params == 0 ? GET_CONNECTION : PASS;
                case "getStatement" -> params == 0 ? GET_STATEMENT : PASS;
                case "unwrap" -> UNWRAP;
                case "getURL" -> params == 0 ? GET_URL : PASS;
                case "isWrapperFor" -> IS_WRAPPER_FOR;
                case "equals" -> params == 1 ? EQUALS : PASS;
                case "hashCode" -> params == 0 ? HASH_CODE : PASS;
                default -> PASS;
            };
        }
    }

    // Keyed by identity: a proxy class passes the same Method instances on every call, and Method.equals (what a
    // hash map would run) compares parameter lists. Copied on write: a few dozen methods are ever seen.
    private static volatile java.util.IdentityHashMap<Method, Kind> kinds = new java.util.IdentityHashMap<>();

    private static Kind kind(Method m) {
        Kind k = kinds.get(m);
        if (k != null) return k;
        synchronized (LogicalFacade.class) {
            k = kinds.get(m);
            if (k != null) return k;
            k = Kind.of(m);
            try {
                // Public methods of java.sql's exported interfaces: skips Method.invoke's access check on every call.
                m.setAccessible(true);
            } catch (RuntimeException e) {
                // the check then runs, as before
            }
            java.util.IdentityHashMap<Method, Kind> next = new java.util.IdentityHashMap<>(kinds);
            next.put(m, k);
            kinds = next;
            return k;
        }
    }

    private static MethodHandle proxyConstructor(Class<?> iface) {
        Class<?> proxyClass = Proxy.newProxyInstance(
                        LogicalFacade.class.getClassLoader(), new Class<?>[] {iface}, (p, m, a) -> null)
                .getClass();
        try {
            return MethodHandles.publicLookup()
                    .findConstructor(proxyClass, MethodType.methodType(void.class, InvocationHandler.class))
                    .asType(MethodType.methodType(Object.class, InvocationHandler.class));
        } catch (ReflectiveOperationException e) {
            // The proxy class of a public interface is public in an exported package; should that change, the
            // facades are still made the slower way.
            return null;
        }
    }

    /** Whether every facade is made through its cached constructor (false: a JDK changed where proxies live). */
    static boolean constructorsCached() {
        return RESULT_SET != null && CALLABLE != null && ARRAY != null && META_DATA != null;
    }

    private static Object proxy(MethodHandle constructor, Class<?> iface, LogicalFacade h) {
        if (constructor != null) {
            try {
                return constructor.invokeExact((InvocationHandler) h);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("shardline - cannot create a " + iface.getSimpleName() + " facade", e);
            }
        }
        return Proxy.newProxyInstance(LogicalFacade.class.getClassLoader(), new Class<?>[] {iface}, h);
    }

    static DatabaseMetaData metaData(DatabaseMetaData md, Connection logical) {
        return (DatabaseMetaData) proxy(META_DATA, DatabaseMetaData.class, new LogicalFacade(md, logical, null));
    }

    /**
     * A callable statement of a physical connection that leads back to the logical one only: its
     * {@code getConnection()}, its result sets' {@code getStatement().getConnection()} and
     * {@code unwrap} give no physical connection away (on one, any SQL would run unchecked).
     */
    static java.sql.CallableStatement callable(java.sql.CallableStatement cs, Connection logical) {
        LogicalFacade h = new LogicalFacade(cs, logical, null);
        java.sql.CallableStatement proxy =
                (java.sql.CallableStatement) proxy(CALLABLE, java.sql.CallableStatement.class, h);
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

    private String owner() {
        return resultSet ? "ResultSet." : "CallableStatement.";
    }

    static SQLException unwrapNull() {
        return new SQLException("shardline - unwrap(null): name the interface to unwrap to", "22023");
    }

    /**
     * An Array whose {@code getResultSet(...)} result sets lead back to the logical connection only:
     * pgJDBC builds them on a statement of the physical connection, whose {@code getConnection()}
     * would hand out an unchecked connection to the shard.
     */
    static java.sql.Array array(java.sql.Array a, Connection logical, Statement statement) {
        if (a == null || a instanceof Proxy) return a;
        return (java.sql.Array) proxy(ARRAY, java.sql.Array.class, new LogicalFacade(a, logical, statement));
    }

    /** The physical object behind a facade this class made, or {@code o} itself. */
    static Object physical(Object o) {
        if (o instanceof Proxy && Proxy.getInvocationHandler(o) instanceof LogicalFacade f) return f.target;
        return o;
    }

    static ResultSet resultSet(ResultSet rs, Connection logical, Statement statement) {
        if (rs == null) return null;
        return (ResultSet) proxy(RESULT_SET, ResultSet.class, new LogicalFacade(rs, logical, statement));
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        switch (kind(m)) {
            case PASS:
                break;
            case ROW_WRITE:
                if (resultSet) {
                    // Statements are created read-only (ConnectionPlumbing.concurrency); this names the reason even
                    // where a physical result set would still be updatable.
                    throw new java.sql.SQLFeatureNotSupportedException(
                            "shardline - ResultSet." + m.getName() + " is not supported: an updatable result set's "
                                    + "row writes would bypass tenant routing and checks; write with UPDATE, INSERT "
                                    + "or DELETE naming the tenant key",
                            "0A000");
                }
                break;
            case LOB_READ:
                if (resultSet || callable) throw largeObjects(owner() + m.getName());
                break;
            case GET_OBJECT:
                if ((resultSet || callable) && readsLargeObject(m.getName(), args))
                    throw largeObjects(owner() + m.getName());
                break;
            case LOB_SET:
                if (callable
                        && (m.getName().equals("setBlob")
                                || m.getName().equals("setClob") && args[1] instanceof java.sql.Clob
                                || m.getName().equals("setNClob") && args[1] instanceof java.sql.NClob)) {
                    throw largeObjects("CallableStatement." + m.getName());
                }
                break;
            case SUPPORTS_CONCURRENCY:
                if (metaData && ((Integer) args[1]) == ResultSet.CONCUR_UPDATABLE) return false;
                break;
            case GET_CONNECTION:
                return logicalConnection;
            case GET_STATEMENT:
                return logicalStatement;
            case UNWRAP:
                Class<?> iface = (Class<?>) args[0];
                if (iface == null) throw unwrapNull();
                if (iface.isInstance(proxy)) return proxy;
                throw new SQLException(
                        "shardline - not a wrapper for " + iface.getName()
                                + "; physical connections and their objects are not handed out",
                        "0A000");
            case GET_URL:
                // The shard's URL as configured may carry a password parameter; pgJDBC would return it as is.
                if (target instanceof DatabaseMetaData md) return dev.shardline.config.Endpoint.redact(md.getURL());
                break;
            case IS_WRAPPER_FOR:
                return args[0] != null && ((Class<?>) args[0]).isInstance(proxy);
            case EQUALS:
                return proxy == args[0];
            case HASH_CODE:
                return System.identityHashCode(proxy);
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
