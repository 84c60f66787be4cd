package dev.shardline.routing.internal;

import dev.shardline.config.BucketMap;
import dev.shardline.config.TenantHash;
import dev.shardline.routing.CrossShardException;
import dev.shardline.routing.CrossTenantException;
import dev.shardline.routing.InvalidTenantValueException;
import dev.shardline.routing.ReadPolicy;
import dev.shardline.routing.SqlStates;
import dev.shardline.routing.TenantRequiredException;
import dev.shardline.routing.UnverifiableStatementException;
import dev.shardline.routing.internal.Analysis.Kind;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where one execution of an analysed statement goes. Fails closed: a statement that could
 * touch another tenant's rows is rejected unless, inside a tenant context, Shardline can restrict
 * every reference to that tenant (and the restricted statement passes the same check); a statement
 * naming several tenants is rejected; only {@code Tenants.unrestricted} and, for reads,
 * {@code Tenants.scatter} opt out.
 */
final class Router {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final BucketMap buckets;
    private final List<String> shardNames;
    private final int defaultShard;
    private final ReadPolicy readPolicy;
    private final SqlAnalyzer analyzer;
    private final RoutingMetrics metrics;
    /** Row-level security on: every routed statement carries its tenant in shardline.tenant. */
    private final boolean rls;

    Router(
            BucketMap buckets,
            int defaultShard,
            ReadPolicy readPolicy,
            SqlAnalyzer analyzer,
            RoutingMetrics metrics,
            boolean rls) {
        this.rls = rls;
        this.buckets = buckets;
        this.shardNames = buckets.shardNames();
        this.defaultShard = defaultShard;
        this.readPolicy = readPolicy;
        this.analyzer = analyzer;
        this.metrics = metrics;
    }

    /**
     * Routes {@code a} with bound {@code params}.
     *
     * @param context the thread's tenant, or null
     * @param txShard the shard the connection's open transaction is on, or -1
     * @param inTransaction whether auto-commit is off (reads then go to the primary)
     * @param scatter whether the caller allowed a cross-shard read
     */
    Route route(Analysis a, Params params, Object context, int txShard, boolean inTransaction, boolean scatter)
            throws SQLException {
        Route r = decide(a, params, context, txShard, inTransaction, scatter);
        StatementTracing.routed(r, this);
        return r;
    }

    /**
     * Returns the routes of one batch's rows of {@code a}: equal to {@link #route} with the same
     * arguments for every row. When the route depends only on one parameter's tenant value (an
     * {@code INSERT ... VALUES} whose tenant column is one marker, a {@code WHERE tenant_id = ?} with no
     * other tenant source), each distinct canonical tenant is routed once per batch; every other row,
     * and any row the full route would refuse (null, unbound, not a tenant value), takes the full route.
     */
    BatchRoutes forBatch(Analysis a, Object context, int txShard, boolean inTransaction) throws SQLException {
        return new BatchRoutes(a, context, txShard, inTransaction);
    }

    /** Routes the rows of one batch; see {@link #forBatch}. Not thread-safe, like a batch. */
    final class BatchRoutes {
        private final Analysis a;
        private final Object context;
        private final int txShard;
        private final boolean inTransaction;
        /** The parameter (0-based) whose value alone decides the route, or -1. */
        private final int tenantParam;

        private final java.util.Set<TenantType> types;
        private final java.util.Map<String, Route> byTenant = new java.util.HashMap<>();

        private BatchRoutes(Analysis a, Object context, int txShard, boolean inTransaction) throws SQLException {
            this.a = a;
            this.context = context;
            this.txShard = txShard;
            this.inTransaction = inTransaction;
            this.tenantParam = soleTenantParameter(a);
            this.types = tenantParam >= 0 ? tenantTypes(a) : null;
        }

        Route route(Params params) throws SQLException {
            if (tenantParam < 0) return Router.this.route(a, params, context, txShard, inTransaction, false);
            String tenant = canonicalOrNull(params.valueAt(tenantParam));
            Route r = tenant == null ? null : byTenant.get(tenant);
            if (r != null) {
                StatementTracing.routed(r, Router.this);
                return r;
            }
            r = Router.this.route(a, params, context, txShard, inTransaction, false);
            // Kept only when the full route read the value as this tenant (the catalog may have changed meanwhile).
            if (tenant != null && tenant.equals(r.tenantKey())) byTenant.put(tenant, r);
            return r;
        }

        private String canonicalOrNull(Object v) {
            if (v == null) return null;
            try {
                return canonical(types, v);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    /**
     * The 0-based parameter whose value alone decides {@link #decide}'s outcome for {@code a}, or -1.
     * That holds when the statement is provably single-tenant as written (no restriction, no
     * unrestricted or scatter fallback) and every tenant source is that one parameter: then the route is
     * {@link #keyed} of its canonical value, and the context tenant only adds the mismatch check, which
     * depends on the same canonical value.
     */
    private static int soleTenantParameter(Analysis a) {
        if (a.kind() != Kind.READ && a.kind() != Kind.WRITE) return -1;
        if (a.violation() != null || a.keys().isEmpty()) return -1;
        int index = -1;
        for (KeyRef k : a.keys()) {
            if (!k.isParam() || k.context()) return -1;
            if (index >= 0 && index != k.paramIndex()) return -1;
            index = k.paramIndex();
        }
        return index;
    }

    private Route decide(Analysis a, Params params, Object context, int txShard, boolean inTransaction, boolean scatter)
            throws SQLException {
        String unrestricted = dev.shardline.routing.Tenants.unrestrictedReason();
        boolean replica = a.kind() == Kind.READ && !inTransaction && readPolicy == ReadPolicy.REPLICA;
        if (a.kind() == Kind.UNVERIFIABLE) {
            if (unrestricted == null) {
                metrics.rejected("unverifiable", a.sql());
                throw new UnverifiableStatementException(
                        "Shardline cannot prove this statement stays within one tenant: " + a.violation()
                                + ". Rewrite it, or run it inside Tenants.unrestricted(reason, ...) if it is administration. Statement: "
                                + abbreviate(a.sql()));
            }
            return unrestrictedRoute(a, context, txShard, unrestricted);
        }
        if (a.kind() == Kind.DDL) return Route.all("DDL runs on every shard primary");
        if (!a.broadcastWrites().isEmpty() && a.violation() == null && !a.touchesSharded()) {
            return Route.all("write to broadcast tables " + a.broadcastWrites() + " runs on every shard primary");
        }
        if (a.violation() != null) {
            if (context != null && a.touchesSharded()) {
                Analysis g = analyzer.guarded(a);
                if (g != null && g.violation() == null) return keyed(g, params, context, replica, g.sql());
            }
            if (unrestricted != null) return unrestrictedRoute(a, context, txShard, unrestricted);
            if (scatter && a.kind() == Kind.READ && a.broadcastWrites().isEmpty()) {
                return Route.scatter(replica, "no single tenant; explicit scatter read over every shard");
            }
            metrics.rejected("isolation", a.sql());
            throw new TenantRequiredException("Statement could reach rows of other tenants: " + a.violation() + ". "
                    + (context == null
                            ? "Add the tenant condition, or run it inside Tenants.run(tenantId, ...) so Shardline restricts it. "
                            : "Inside Tenants.run(" + TenantHash.canonical(context)
                                    + ", ...) Shardline could not restrict every reference either. ")
                    + "Statement: " + abbreviate(a.sql()));
        }
        if (!a.keys().isEmpty()) return keyed(a, params, context, replica, null);
        if (context != null) {
            String t = canonicalContext(context);
            int s = buckets.shardIndexOf(t);
            return new Route(
                    Route.Target.ONE,
                    s,
                    replica,
                    t,
                    "no sharded table; tenant context " + t + " → " + shardNames.get(s),
                    null,
                    rls ? t : null);
        }
        int s = txShard >= 0 ? txShard : defaultShard;
        return Route.one(
                s,
                replica,
                null,
                "no sharded table → " + (txShard >= 0 ? "the transaction's shard " : "default shard ")
                        + shardNames.get(s));
    }

    private Route unrestrictedRoute(Analysis a, Object context, int txShard, String reason) throws SQLException {
        metrics.unrestricted();
        LOG.warn("unrestricted statement ({}): {}", reason, abbreviate(a.sql()));
        String t = context == null ? null : canonicalContext(context);
        int s = t != null ? buckets.shardIndexOf(t) : txShard >= 0 ? txShard : defaultShard;
        return new Route(
                Route.Target.ONE,
                s,
                false,
                t,
                "unrestricted (" + reason + ") → " + shardNames.get(s),
                null,
                rls ? t : null);
    }

    /** Routes a statement whose every tenant source is known; they must all be one tenant. */
    private Route keyed(Analysis a, Params params, Object context, boolean replica, String guardedSql)
            throws SQLException {
        java.util.Set<TenantType> types = tenantTypes(a);
        String contextKey = null;
        if (context != null) {
            try {
                contextKey = canonical(types, context);
            } catch (IllegalArgumentException e) {
                throw new InvalidTenantValueException(
                        "tenant context: " + e.getMessage() + ". Statement: " + abbreviate(a.sql()));
            }
        }
        String tenant = null;
        KeyRef first = null;
        for (KeyRef k : a.keys()) {
            if (k.context() && context == null) {
                throw new TenantRequiredException(
                        "Statement compares with current_setting('shardline.tenant') but runs outside a tenant "
                                + "context; run it inside Tenants.run(tenantId, ...). Statement: "
                                + abbreviate(a.sql()));
            }
            Object v = k.resolve(params, context);
            if (v == null) {
                if (k.isParam() && !params.isBound(k.paramIndex())) {
                    throw new SQLException(
                            "Tenant key " + k.describe() + " is not bound; set it before executing. Statement: "
                                    + abbreviate(a.sql()),
                            "07001");
                }
                throw new InvalidTenantValueException("Tenant key " + k.describe()
                        + " is NULL; a tenant id must be a value. Statement: " + abbreviate(a.sql()));
            }
            String t;
            try {
                t = canonical(types, v);
            } catch (IllegalArgumentException e) {
                throw new InvalidTenantValueException("Tenant key " + k.describe() + ": " + e.getMessage()
                        + "; bind it with setString, setLong, setInt or setObject(UUID). Statement: "
                        + abbreviate(a.sql()));
            }
            if (contextKey != null && !contextKey.equals(t)) {
                throw new CrossShardException(
                        "Statement names tenant " + t + " (" + k.describe() + ") but runs inside the context of tenant "
                                + contextKey + "; a tenant context may only touch its own rows. Statement: "
                                + abbreviate(a.sql()),
                        SqlStates.TENANT_MISMATCH);
            }
            if (tenant == null) {
                tenant = t;
                first = k;
            } else if (!tenant.equals(t)) {
                metrics.rejected("cross_tenant", a.sql());
                throw new CrossTenantException(
                        "Statement names tenant " + tenant + " (" + first.describe() + ") and tenant " + t + " ("
                                + k.describe()
                                + "); a statement may touch one tenant only (a tenant's rows move by a tenant move, not by SQL). "
                                + "Split it per tenant. Statement: " + abbreviate(a.sql()));
            }
        }
        // By the canonical text, not the value as bound: '007' is the bigint 7 to the server.
        int shard = buckets.shardIndexOf(tenant);
        return new Route(
                Route.Target.ONE,
                shard,
                replica,
                tenant,
                guardedSql != null ? "tenant context, restricted to the tenant's rows" : "tenant key",
                guardedSql,
                rls || a.usesContext() ? tenant : null);
    }

    /** The type families of the tenant columns of the sharded tables {@code a} touches (empty when unknown). */
    private java.util.Set<TenantType> tenantTypes(Analysis a) throws SQLException {
        if (a.shardedTables().isEmpty()) return java.util.Set.of();
        // Nearly every schema has one tenant type: then no per-statement work (batches route every row).
        ShardCatalog cat = analyzer.catalog();
        if (cat.tenantTypes().size() == 1) return cat.tenantTypes();
        java.util.Set<TenantType> out = java.util.EnumSet.noneOf(TenantType.class);
        for (String table : a.shardedTables()) {
            ShardCatalog.Table t = cat.table(table);
            out.add(t == null ? TenantType.TEXT : t.family());
        }
        return out;
    }

    /**
     * The canonical text of a tenant value as the server reads it into every tenant column involved;
     * a value that reads differently in two of them (text '007' and bigint 7) is refused.
     */
    private static String canonical(java.util.Set<TenantType> types, Object v) {
        String out = null;
        for (TenantType type : types) {
            String c = type.canonical(v);
            if (out == null) {
                out = c;
            } else if (!out.equals(c)) {
                throw new IllegalArgumentException("the value reads as '" + out + "' in one tenant column and '" + c
                        + "' in another; spell it as the tenant id itself");
            }
        }
        return out != null ? out : TenantHash.canonical(v);
    }

    /**
     * The canonical text of a tenant context where no statement names the tables: as the schema's
     * tenant columns read it (refused if they read it differently).
     */
    String canonicalContext(Object context) throws SQLException {
        try {
            return canonical(analyzer.catalog().tenantTypes(), context);
        } catch (IllegalArgumentException e) {
            throw new InvalidTenantValueException("tenant context: " + e.getMessage());
        }
    }

    /** Builds the human explanation of a route for explain(). */
    String explain(Route r, Analysis a, Params params, Object context) {
        if (r.target() != Route.Target.ONE || r.tenantKey() == null) return r.reason();
        return "tenant " + r.tenantKey() + " (" + r.reason() + ") → bucket " + buckets.bucketOf(r.tenantKey())
                + (buckets.isPinned(r.tenantKey()) ? " (pinned)" : "") + " → " + shardNames.get(r.shard());
    }

    static String abbreviate(String sql) {
        String s = sql.strip().replaceAll("\\s+", " ");
        return s.length() > 200 ? s.substring(0, 197) + "..." : s;
    }

    int shardCount() {
        return shardNames.size();
    }

    String shardName(int i) {
        return shardNames.get(i);
    }
}
