package dev.shardline.routing.internal;

import dev.shardline.config.Endpoint;
import dev.shardline.config.ShardSpec;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.routing.RoutingSettings;
import dev.shardline.routing.ShardlineRoutingException;
import dev.shardline.routing.StartupCheck;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a Shardline DataSource shares between its connections: pools per endpoint, the SQL
 * analyzer, the router, the write tracker, the health monitor and the lazy scatter engine.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final ShardlineConfig config;
    private final RoutingSettings settings;
    private final List<Shard> shards = new ArrayList<>();
    private final List<EndpointPool> endpoints = new ArrayList<>();
    private final SqlAnalyzer analyzer;
    private final PlanProbe planProbe;
    /** The shardline.tenant each physical connection holds, so a borrow for the same tenant skips setting it. */
    private final com.github.benmanes.caffeine.cache.Cache<Object, String> physicalTenant =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().weakKeys().build();

    private final RoutingMetrics metrics;
    private final StatementTracing tracing;
    private final Router router;
    private final WriteTracker writes = new WriteTracker();
    private final ReplicaMonitor monitor;
    private final ScatterEngine scatter;
    private final int defaultShard;
    private final TwoPhaseCommit twoPhase = new TwoPhaseCommit(this);
    /** Settles transactions a crashed coordinator left prepared (at start, then periodically). */
    private final java.util.concurrent.ScheduledExecutorService recovery;

    public Engine(ShardlineConfig config, RoutingSettings settings, MeterRegistry registry) {
        this(config, settings, registry, null);
    }

    /** As {@link #Engine(ShardlineConfig, RoutingSettings, MeterRegistry)}, tracing with {@code otel} (null: the global one). */
    public Engine(
            ShardlineConfig config,
            RoutingSettings settings,
            MeterRegistry registry,
            io.opentelemetry.api.OpenTelemetry otel) {
        this.config = config;
        this.tracing = new StatementTracing(otel, settings.traceTenant());
        this.settings = settings;
        this.defaultShard = settings.defaultShard() == null ? 0 : indexOfShard(config, settings.defaultShard());
        this.planProbe =
                new PlanProbe(config.shards().stream().map(ShardSpec::primary).toList(), registry);
        this.analyzer =
                new SqlAnalyzer(config.tables(), settings.analysisCacheSize(), settings.trustedFunctions(), planProbe);
        this.metrics = new RoutingMetrics(registry);
        probe(config, settings);
        try {
            for (ShardSpec s : config.shards()) {
                EndpointPool primary = pool(s.primary(), shards.size(), s, registry);
                List<EndpointPool> replicas = new ArrayList<>();
                for (Endpoint r : s.replicas()) replicas.add(pool(r, shards.size(), s, registry));
                shards.add(new Shard(shards.size(), s.name(), primary, replicas));
            }
            this.router = new Router(
                    config.buckets(),
                    defaultShard,
                    settings.readPolicy(),
                    analyzer,
                    metrics,
                    settings.isolation() == dev.shardline.routing.Isolation.RLS);
            this.monitor = new ReplicaMonitor(shards, settings.healthCheckInterval(), settings.maxReplicaLag(), writes);
            monitor.checkAllNow();
            if (settings.isolation() == dev.shardline.routing.Isolation.RLS) checkRlsRoles();
            this.scatter = new ScatterEngine(config, shards);
            recoverPreparedTransactions();
            this.recovery = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "shardline-2pc-recovery");
                t.setDaemon(true);
                return t;
            });
            recovery.scheduleWithFixedDelay(
                    this::recoverPreparedTransactions, 60, 60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            endpoints.forEach(EndpointPool::close);
            throw e;
        }
    }

    /** Row-level security means nothing to a role that bypasses it: refuse to start (or warn) as one. */
    private void checkRlsRoles() {
        for (Shard s : shards) {
            try (Connection c = s.primary.acquire()) {
                String why = dev.shardline.routing.RowLevelSecurity.bypassReason(c);
                if (why == null) continue;
                String msg = s.name + " - routing.isolation is rls but " + why
                        + ", which PostgreSQL never holds to row-level security; "
                        + "connect as an ordinary application role, or set routing.rlsBypassCheck: warn";
                if (settings.rlsBypassCheck() == StartupCheck.FAIL) throw new ShardlineRoutingException(msg);
                LOG.warn(msg);
            } catch (SQLException e) {
                LOG.warn("{} - could not check the role for row-level security: {}", s.name, e.getMessage());
            }
        }
    }

    private EndpointPool pool(Endpoint e, int shardIndex, ShardSpec s, MeterRegistry registry) {
        EndpointPool p = new EndpointPool(e, shardIndex, endpoints.size(), s.pool(), settings, registry);
        endpoints.add(p);
        return p;
    }

    private static int indexOfShard(ShardlineConfig config, String name) {
        int i = config.shardNames().indexOf(name);
        if (i < 0) {
            throw new ShardlineRoutingException(
                    "routing.defaultShard - unknown shard '" + name + "'; known shards: " + config.shardNames());
        }
        return i;
    }

    /** Connects once to every endpoint in parallel so a wrong URL or a down server is named at start. */
    private static void probe(ShardlineConfig config, RoutingSettings settings) {
        List<CompletableFuture<String>> checks = new ArrayList<>();
        for (ShardSpec s : config.shards()) {
            for (Endpoint e : s.endpoints()) checks.add(CompletableFuture.supplyAsync(() -> tryConnect(e, settings)));
        }
        List<String> problems = checks.stream()
                .map(CompletableFuture::join)
                .filter(p -> p != null)
                .toList();
        if (problems.isEmpty()) return;
        if (settings.startupCheck() == StartupCheck.FAIL) {
            throw new ShardlineRoutingException(
                    String.join("\n", problems)
                            + "\nCheck the URLs, credentials and that the servers are running; or set routing.startupCheck: warn to start without them.");
        }
        problems.forEach(p -> LOG.warn("{} (starting anyway: routing.startupCheck is warn)", p));
    }

    private static String tryConnect(Endpoint e, RoutingSettings settings) {
        Properties p = new Properties();
        p.setProperty("user", e.username());
        p.setProperty("password", e.password() == null ? "" : e.password());
        p.setProperty(
                "connectTimeout",
                String.valueOf(Math.max(1, settings.connectTimeout().toSeconds())));
        try (Connection c = DriverManager.getConnection(e.jdbcUrl(), p)) {
            return null;
        } catch (SQLException ex) {
            return e.id() + " - cannot connect to " + e.redactedUrl() + ": " + Endpoint.redact(ex.getMessage());
        }
    }

    public ShardlineConfig config() {
        return config;
    }

    RoutingSettings settings() {
        return settings;
    }

    SqlAnalyzer analyzer() {
        return analyzer;
    }

    com.github.benmanes.caffeine.cache.Cache<Object, String> physicalTenant() {
        return physicalTenant;
    }

    Router router() {
        return router;
    }

    StatementTracing tracing() {
        return tracing;
    }

    WriteTracker writes() {
        return writes;
    }

    ScatterEngine scatter() {
        return scatter;
    }

    Shard shard(int i) {
        return shards.get(i);
    }

    int shardCount() {
        return shards.size();
    }

    int defaultShard() {
        return defaultShard;
    }

    int endpointCount() {
        return endpoints.size();
    }

    EndpointPool endpoint(int id) {
        return endpoints.get(id);
    }

    int shardIndexOf(Object tenant) {
        return config.buckets().shardIndexOf(tenant);
    }

    /** The shard of a tenant context, read as the schema's tenant columns read it ('007' is the bigint 7). */
    int shardOfContext(Object tenant) throws java.sql.SQLException {
        return config.buckets().shardIndexOf(router.canonicalContext(tenant));
    }

    /** Returns the read position of {@code tenant}'s shard from the last health samples (no round trip). */
    public dev.shardline.routing.ReadPosition readPosition(Object tenant) {
        Shard s = shards.get(shardIndexOf(tenant));
        return new dev.shardline.routing.ReadPosition(s.name, monitor.positions.readPosition(s));
    }

    /** Opens a logical connection; no physical connection is borrowed until a statement runs. */
    public java.sql.Connection connect() {
        return new RoutingConnection(this);
    }

    /** Returns every endpoint's health as seen by the monitor and breakers. */
    public List<EndpointState> states() {
        return endpoints.stream()
                .map(e -> new EndpointState(
                        e.id(),
                        e.endpoint.shard(),
                        e.isPrimary() ? "primary" : "replica",
                        e.healthy,
                        e.lagMillis,
                        e.breakerState().name().toLowerCase()))
                .toList();
    }

    /** Health of one endpoint. */
    public record EndpointState(
            String endpoint, String shard, String role, boolean healthy, long lagMillis, String breaker) {}

    /** Explains where {@code sql} goes for {@code tenant} (which fills every tenant-key parameter, or serves as context). */
    public Explanation explain(String sql, Object tenant) {
        Analysis a;
        try {
            a = analyzer.analyze(sql);
        } catch (SQLException e) {
            return new Explanation(
                    "invalid", "rejected", List.of(), "-", e.getMessage() + " [SQLState " + e.getSQLState() + "]");
        } catch (RuntimeException e) {
            return new Explanation("invalid", "rejected", List.of(), "-", String.valueOf(e.getMessage()));
        }
        Params p = new Params();
        try {
            boolean keyed = false;
            for (KeyRef k : a.keys()) {
                if (k.isParam() && tenant != null) {
                    p.set(k.paramIndex() + 1, (ps, i, v, x) -> {}, tenant, null);
                    keyed = true;
                }
            }
            Object context = keyed ? null : tenant;
            Route r = router.route(a, p, context, -1, false, false);
            String role = r.target() == Route.Target.ONE ? (r.replica() ? "replica" : "primary") : "primary";
            List<String> names = r.target() == Route.Target.ONE
                    ? List.of(shards.get(r.shard()).name)
                    : shards.stream().map(s -> s.name).toList();
            return new Explanation(
                    a.kind().name().toLowerCase(),
                    r.target().name().toLowerCase(),
                    names,
                    role,
                    router.explain(r, a, p, context));
        } catch (SQLException e) {
            return new Explanation(
                    a.kind().name().toLowerCase(),
                    "rejected",
                    List.of(),
                    "-",
                    e.getMessage() + " [SQLState " + e.getSQLState() + "]");
        } catch (RuntimeException e) {
            return new Explanation(
                    a.kind().name().toLowerCase(), "rejected", List.of(), "-", String.valueOf(e.getMessage()));
        }
    }

    /** The result of {@link #explain}. */
    public record Explanation(String kind, String target, List<String> shards, String role, String reason) {}

    TwoPhaseCommit twoPhase() {
        return twoPhase;
    }

    /**
     * Settles every transaction Shardline left prepared on the shard primaries: commits those whose
     * decision shard committed, rolls back those it did not, leaves those still in progress.
     */
    public dev.shardline.routing.RecoveryReport recoverPreparedTransactions() {
        return PreparedRecovery.run(this, twoPhase);
    }

    @Override
    public void close() {
        recovery.shutdownNow();
        monitor.close();
        scatter.close();
        planProbe.close();
        endpoints.forEach(EndpointPool::close);
    }
}
