package dev.shardline.routing.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The physical connections one logical connection holds, at most one per endpoint, borrowed on
 * first use and kept until the logical connection closes. Each is brought to the logical
 * connection's state when borrowed (isolation, read-only, holdability, allowed SETs) and leaves no
 * trace when returned: session settings are reset, and the tenant setting is tracked per physical
 * connection so it is only set when it changes.
 */
final class HeldConnections {
    /** Work on one held connection. */
    interface Each {
        void on(int poolId, Connection c) throws SQLException;
    }

    private final Engine engine;
    private final Connection[] held;
    /** The tenant each held connection's shardline.tenant setting holds, as far as this logical connection knows. */
    private final String[] settingTenant;

    static final String APPLICATION_NAME = "ApplicationName";

    private List<String> sessionSql;
    int isolation = -1;
    boolean readOnly;
    /** Set by the application (client info), or null: the pool's own name stays. */
    private String applicationName;

    private int networkTimeout;
    private java.util.concurrent.Executor networkExecutor;

    HeldConnections(Engine engine) {
        this.engine = engine;
        this.held = new Connection[engine.endpointCount()];
        this.settingTenant = new String[engine.endpointCount()];
    }

    /** Returns the held connection to {@code pool}, borrowing and preparing it on first use. */
    Connection get(EndpointPool pool, boolean autoCommit, int holdability) throws SQLException {
        Connection c = held[pool.id];
        if (c == null) {
            c = pool.acquire();
            try {
                if (isolation >= 0) c.setTransactionIsolation(isolation);
                if (readOnly && pool.isPrimary()) c.setReadOnly(true);
                if (holdability >= 0) c.setHoldability(holdability);
                if (applicationName != null) c.setClientInfo(APPLICATION_NAME, applicationName);
                if (networkTimeout > 0) c.setNetworkTimeout(networkExecutor, networkTimeout);
                if (sessionSql != null) {
                    try (Statement st = c.createStatement()) {
                        for (String sql : sessionSql) st.execute(sql);
                    }
                }
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            held[pool.id] = c;
        }
        boolean wantAuto = pool.isPrimary() ? autoCommit : true;
        if (c.getAutoCommit() != wantAuto) c.setAutoCommit(wantAuto);
        return c;
    }

    /** Returns the held connection to the endpoint {@code poolId}, or null. */
    Connection peek(int poolId) {
        return held[poolId];
    }

    /** Runs {@code each} on every held connection. */
    void forEach(Each each) throws SQLException {
        for (int i = 0; i < held.length; i++) if (held[i] != null) each.on(i, held[i]);
    }

    /** Sets {@code application_name} on every held connection and on those borrowed later; reset when they return. */
    void applicationName(String name) throws SQLException {
        applicationName = name;
        forEach((id, c) -> c.setClientInfo(APPLICATION_NAME, name));
    }

    /** Sets the socket timeout of every held connection and of those borrowed later (the pool resets it on return). */
    void networkTimeout(java.util.concurrent.Executor executor, int millis) throws SQLException {
        networkTimeout = millis;
        networkExecutor = executor;
        forEach((id, c) -> c.setNetworkTimeout(executor, millis));
    }

    int networkTimeout() {
        return networkTimeout;
    }

    /** Records a SET to replay on connections borrowed later (and to reset on return). */
    void rememberSession(String sql) {
        if (sessionSql == null) sessionSql = new ArrayList<>();
        sessionSql.add(sql);
    }

    boolean anyHeld() {
        for (Connection c : held) if (c != null) return true;
        return false;
    }

    /** The statement that sets the tenant on a physical connection; its one parameter is the tenant. */
    static final String SET_TENANT_SQL = "SELECT set_config('" + Exprs.CONTEXT_SETTING + "', ?, false)";

    /** Makes the connection's shardline.tenant hold {@code tenant}, skipping the round trip when it already does. */
    void setTenant(EndpointPool pool, Connection c, String tenant) throws SQLException {
        if (!needsTenant(pool, c, tenant)) return;
        try (PreparedStatement ps = c.prepareStatement(SET_TENANT_SQL)) {
            ps.setString(1, tenant);
            ps.execute();
        }
        tenantWasSet(pool, c, tenant);
    }

    /** True when the connection's shardline.tenant may not hold {@code tenant} (non-null) yet. */
    boolean needsTenant(EndpointPool pool, Connection c, String tenant) throws SQLException {
        if (tenant == null || tenant.equals(settingTenant[pool.id])) return false;
        if (tenant.equals(engine.physicalTenant().getIfPresent(physicalOf(c)))) {
            settingTenant[pool.id] = tenant;
            return false;
        }
        return true;
    }

    /** Records that a statement setting shardline.tenant to {@code tenant} succeeded on {@code c}. */
    void tenantWasSet(EndpointPool pool, Connection c, String tenant) throws SQLException {
        Object physical = physicalOf(c);
        // Settings are transactional: one made inside a transaction is undone by its rollback, so only
        // this transaction may rely on it (forgetTenants() at its end); outside one it holds for good.
        if (c.getAutoCommit()) {
            engine.physicalTenant().put(physical, tenant);
        } else {
            engine.physicalTenant().invalidate(physical);
        }
        settingTenant[pool.id] = tenant;
    }

    /** Forgets what {@code c}'s shardline.tenant holds: a statement that set it failed, and its transaction undid the setting. */
    void tenantUnknown(EndpointPool pool, Connection c) {
        settingTenant[pool.id] = null;
        try {
            if (!c.isClosed()) engine.physicalTenant().invalidate(physicalOf(c));
        } catch (SQLException e) {
            // a closed or broken connection is evicted by the pool, and its cache entry with it (weak keys)
        }
    }

    /** Forgets what the held connections' tenant setting holds: a transaction ended, and a rollback may have undone it. */
    void forgetTenants() {
        java.util.Arrays.fill(settingTenant, null);
    }

    /** Gives up the connection to {@code pool} after a failure; the pool evicts a broken one. */
    synchronized void drop(EndpointPool pool, SQLException cause) {
        pool.recordConnectionFailure(cause);
        Connection c = held[pool.id];
        held[pool.id] = null;
        settingTenant[pool.id] = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the pool evicts a broken connection
            }
        }
    }

    /** Returns every held connection to its pool, resetting session settings first; returns the first failure, if any. */
    synchronized SQLException closeAll() {
        SQLException first = null;
        for (int i = 0; i < held.length; i++) {
            Connection c = held[i];
            if (c == null) continue;
            held[i] = null;
            try {
                // An open transaction is rolled back here (the pool would on return, undoing a tenant setting made in
                // it
                // and, worse, the resets below): they must run in auto-commit to last.
                if (!c.isClosed() && !c.getAutoCommit()) {
                    engine.physicalTenant().invalidate(physicalOf(c));
                    c.rollback();
                    c.setAutoCommit(true);
                }
                if (sessionSql != null && !c.isClosed()) {
                    try (Statement st = c.createStatement()) {
                        st.execute("RESET ALL");
                    }
                    engine.physicalTenant().invalidate(physicalOf(c));
                } else if (applicationName != null && !c.isClosed()) {
                    try (Statement st = c.createStatement()) {
                        st.execute("RESET application_name");
                    }
                }
            } catch (SQLException e) {
                if (first == null) first = e;
                // Its state could not be reset: it must not serve anyone else.
                engine.endpoint(i).dataSource().evictConnection(c);
            } finally {
                try {
                    c.close();
                } catch (SQLException e) {
                    if (first == null) first = e;
                }
            }
        }
        return first;
    }

    /**
     * Closes the sockets of every held connection at once (a statement running on one fails), for
     * {@link Connection#abort}; the connections go back to the pool, which discards them, through
     * {@link #closeAll} afterwards.
     */
    void abortAll(java.util.concurrent.Executor executor) {
        for (Connection c : held.clone()) {
            if (c == null) continue;
            try {
                c.abort(executor);
            } catch (SQLException ignored) {
                // already closed: nothing left to abort
            }
        }
    }

    private static Object physicalOf(Connection c) throws SQLException {
        return c.isWrapperFor(org.postgresql.core.BaseConnection.class)
                ? c.unwrap(org.postgresql.core.BaseConnection.class)
                : c;
    }
}
