package dev.shardline.routing.internal;

import dev.shardline.config.TenantHash;
import dev.shardline.routing.Tenants;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Opens one CLIENT span per routed statement (named {@code shardline <VERB>}, a child of the
 * caller's current span) and records on it where the statement went, as the router and the
 * connection decide it: {@code shardline.shard}, {@code shardline.endpoint.role} and
 * {@code shardline.endpoint} of the endpoint that served it, {@code shardline.route.target} and a
 * low-cardinality {@code shardline.route.reason}; a refusal sets {@code shardline.rejected},
 * {@code shardline.rejection.reason} and the SQLState in {@code db.response.status_code}. The
 * tenant ({@code shardline.tenant}) and the human route explanation ({@code shardline.route.detail},
 * which names it) are recorded only with {@code routing.tracing.tenant: true}. Neither SQL text nor
 * parameter values are recorded.
 *
 * <p>A span of its own rather than attributes on the caller's span: one request runs many
 * statements on different shards, and the span's duration is the statement's. With no SDK
 * installed nothing is computed: the statement runs directly (with an installed no-op, one
 * non-recording span object).
 */
final class StatementTracing {
    static final AttributeKey<String> SHARD = AttributeKey.stringKey("shardline.shard");
    static final AttributeKey<String> ROLE = AttributeKey.stringKey("shardline.endpoint.role");
    static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("shardline.endpoint");
    static final AttributeKey<String> TARGET = AttributeKey.stringKey("shardline.route.target");
    static final AttributeKey<String> REASON = AttributeKey.stringKey("shardline.route.reason");
    static final AttributeKey<String> DETAIL = AttributeKey.stringKey("shardline.route.detail");
    static final AttributeKey<String> KIND = AttributeKey.stringKey("shardline.statement.kind");
    static final AttributeKey<String> TENANT = AttributeKey.stringKey("shardline.tenant");
    static final AttributeKey<Boolean> REJECTED = AttributeKey.booleanKey("shardline.rejected");
    static final AttributeKey<String> REJECTION = AttributeKey.stringKey("shardline.rejection.reason");
    static final AttributeKey<String> SQLSTATE = AttributeKey.stringKey("db.response.status_code");
    private static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    private static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
    private static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");
    private static final ContextKey<Current> CURRENT = ContextKey.named("shardline.statement");

    private final TracerSource tracer;
    private final boolean withTenant;

    /** With {@code otel} null, the global OpenTelemetry once one is installed. */
    StatementTracing(OpenTelemetry otel, boolean withTenant) {
        this.tracer = new TracerSource(otel);
        this.withTenant = withTenant;
    }

    /** Runs {@code call} (the routing and execution of {@code a}) inside the statement's span. */
    <T> T trace(Analysis a, Call<T> call) throws SQLException {
        Tracer t = tracer.get();
        if (t == TracerSource.NOOP) return call.run();
        String op = operation(a.sql());
        Span span =
                t.spanBuilder("shardline " + op).setSpanKind(SpanKind.CLIENT).startSpan();
        if (!span.isRecording()) return call.run();
        span.setAttribute(DB_SYSTEM, "postgresql");
        span.setAttribute(DB_OPERATION, op);
        span.setAttribute(KIND, a.kind().name().toLowerCase(Locale.ROOT));
        Current cur = new Current(span, withTenant);
        if (withTenant && Tenants.current() != null) span.setAttribute(TENANT, canonical(Tenants.current()));
        try (Scope ignored = Context.current().with(span).with(CURRENT, cur).makeCurrent()) {
            return call.run();
        } catch (SQLException e) {
            cur.failed(e);
            throw e;
        } catch (RuntimeException | Error e) {
            span.addEvent(
                    "exception", Attributes.of(EXCEPTION_TYPE, e.getClass().getName()));
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            cur.end();
        }
    }

    /** Records the router's decision on the current statement's span (nothing outside one: explain, batch grouping). */
    static void routed(Route r, Router router) {
        Current cur = Context.current().get(CURRENT);
        if (cur == null) return;
        cur.span.setAttribute(TARGET, r.target().name().toLowerCase(Locale.ROOT));
        cur.span.setAttribute(REASON, reasonCode(r));
        if (r.target() == Route.Target.ONE) {
            cur.shards.add(router.shardName(r.shard()));
        } else {
            for (int i = 0; i < router.shardCount(); i++) cur.shards.add(router.shardName(i));
        }
        cur.role = r.replica() ? "replica" : "primary";
        if (cur.withTenant) {
            cur.span.setAttribute(DETAIL, r.reason());
            if (r.tenantKey() != null) cur.span.setAttribute(TENANT, r.tenantKey());
        }
    }

    /** Records why the router refused the current statement (the reason tag of {@code shardline.statements.rejected}). */
    static void rejected(String reason) {
        Current cur = Context.current().get(CURRENT);
        if (cur != null) cur.rejection = reason;
    }

    /** Records the endpoint a physical connection of the current statement comes from; the last one is the one that served it. */
    static void endpoint(EndpointPool pool) {
        Current cur = Context.current().get(CURRENT);
        if (cur == null) return;
        cur.endpoint = pool.id();
        cur.role = pool.isPrimary() ? "primary" : "replica";
        if (!cur.endpointSeen) {
            // The route named the intended shards; from now on they are the ones actually used.
            cur.shards.clear();
            cur.endpointSeen = true;
        }
        cur.shards.add(pool.endpoint.shard());
    }

    /**
     * A stable, tenant-free name for a route's reason (the human text may name the tenant). The
     * texts are the router's; RoutingTracingIT pins the common ones.
     */
    static String reasonCode(Route r) {
        String s = r.reason();
        return switch (r.target()) {
            case ALL_PRIMARIES -> s.startsWith("DDL") ? "ddl" : "broadcast_write";
            case SCATTER -> "scatter_read";
            case ONE ->
                s.startsWith("unrestricted")
                        ? "unrestricted"
                        : s.startsWith("tenant key")
                                ? "tenant_key"
                                : s.startsWith("tenant context, restricted")
                                        ? "tenant_context_restricted"
                                        : s.startsWith("no sharded table; tenant context")
                                                ? "tenant_context"
                                                : s.contains("the transaction's shard")
                                                        ? "transaction_shard"
                                                        : s.contains("default shard") ? "default_shard" : "other";
        };
    }

    private static String rejectionFor(String sqlState) {
        return switch (sqlState) {
            case "SL001" -> "tenant_required";
            case "SL002" -> "cross_shard_transaction";
            case "SL003" -> "tenant_mismatch";
            case "SL004" -> "cross_tenant";
            case "SL005" -> "unverifiable";
            default -> "other";
        };
    }

    private static String canonical(Object tenant) {
        try {
            return TenantHash.canonical(tenant);
        } catch (IllegalArgumentException e) {
            return String.valueOf(tenant);
        }
    }

    static String operation(String sql) {
        if (sql == null) return "SQL";
        int i = 0;
        int n = sql.length();
        while (i < n && !Character.isLetter(sql.charAt(i))) i++;
        int start = i;
        while (i < n && Character.isLetter(sql.charAt(i))) i++;
        return i == start ? "SQL" : sql.substring(start, i).toUpperCase(Locale.ROOT);
    }

    /** The part of an execution the span covers. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws SQLException;
    }

    /** The open span of one statement and what it learnt so far. */
    private static final class Current {
        final Span span;
        final boolean withTenant;
        final Set<String> shards = new LinkedHashSet<>(2);
        String role;
        String endpoint;
        String rejection;
        boolean endpointSeen;

        Current(Span span, boolean withTenant) {
            this.span = span;
            this.withTenant = withTenant;
        }

        /**
         * Marks the span failed with the SQLState. The message is recorded only with the tenant setting
         * on: Shardline's and PostgreSQL's messages may quote tenant ids and row values.
         */
        void failed(SQLException e) {
            if (withTenant) {
                span.recordException(e);
            } else {
                span.addEvent(
                        "exception", Attributes.of(EXCEPTION_TYPE, e.getClass().getName()));
            }
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            String state = e.getSQLState();
            if (state == null) return;
            span.setAttribute(SQLSTATE, state);
            if (state.startsWith("SL")) {
                span.setAttribute(REJECTED, true);
                span.setAttribute(REJECTION, rejection != null ? rejection : rejectionFor(state));
            }
        }

        void end() {
            if (!shards.isEmpty()) span.setAttribute(SHARD, String.join(",", shards));
            if (role != null) span.setAttribute(ROLE, role);
            if (endpoint != null) span.setAttribute(ENDPOINT, endpoint);
            span.end();
        }
    }
}
