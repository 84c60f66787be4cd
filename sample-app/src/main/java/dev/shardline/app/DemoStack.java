package dev.shardline.app;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.routing.RoutingSettings;
import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.testkit.PgBackend;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import dev.shardline.testkit.RedisServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Everything the demo and the service benchmark run on one machine with only a JDK: embedded
 * PostgreSQL shards with a streaming replica each, an embedded Redis, Shardline, and the orders
 * service. Closing it stops everything in reverse order.
 */
public final class DemoStack implements AutoCloseable {
    private final List<AutoCloseable> opened = new ArrayList<>();
    public final PgCluster cluster;
    public final RedisServer redisServer;
    public final RedissonClient redis;
    public final ShardlineDataSource shardline;
    public final PrometheusMeterRegistry registry;
    public final OrdersService service;
    public final Path yaml;
    public final dev.shardline.cache.RedissonCacheAside cache;
    private volatile dev.shardline.cdc.CdcPipeline cdc;
    private final ShardlineConfig config;
    /** Sits in front of the last shard's primary; set a delay on it to make that shard slow. */
    public final dev.shardline.app.load.LatencyProxy slowShard;

    private DemoStack(int shards, PgBackend backend, AppSettings app, java.util.function.Consumer<String> log)
            throws Exception {
        try {
            log.accept("starting " + shards + " PostgreSQL shards with one streaming replica each (" + backend.name()
                    + ")");
            cluster = open(PgCluster.start(shards, 1, backend));
            log.accept("starting Redis");
            redisServer = open(RedisServer.start());
            Config rc = new Config();
            // Short timeouts: while Redis is down each call waits at most this long before the breakers open.
            rc.useSingleServer()
                    .setAddress(redisServer.address())
                    .setTimeout(200)
                    .setRetryAttempts(0)
                    .setConnectTimeout(200)
                    .setConnectionMinimumIdleSize(8)
                    .setConnectionPoolSize(64);
            redis = Redisson.create(rc);
            opened.add(redis::shutdown);
            PgNode last = cluster.primary(shards - 1);
            slowShard = open(dev.shardline.app.load.LatencyProxy.start(last.port()));
            Path file = cluster.writeShardlineYaml(
                    Files.createTempDirectory("shardline-demo").resolve("shardline.yaml"),
                    AppSchema.TABLES_YAML
                            + "routing:\n  healthCheckInterval: 100ms\n  breaker: { minimumCalls: 3, waitInOpen: 1s }\n");
            // Route the last shard's primary through the proxy so the demo can slow that one shard down.
            yaml = Files.writeString(
                    file,
                    Files.readString(file)
                            .replace(
                                    last.jdbcUrl(),
                                    "jdbc:postgresql://127.0.0.1:" + slowShard.port() + "/" + last.database()));
            AppSchema.writeChangelog(yaml.resolveSibling("changelog.yaml"));
            Path duck = yaml.resolveSibling("analytics.duckdb").toAbsolutePath();
            Files.writeString(
                    yaml,
                    Files.readString(yaml) + "migrations:\n  changelog: changelog.yaml\n  workers: " + shards + "\n"
                            + "cdc:\n  name: shardline_demo\n  tables: [orders]\n  snapshot: initial\n  pollInterval: 10ms\n  heartbeat: 5s\n"
                            + "  sinks:\n    duckdb: { path: " + duck + " }\n"
                            + "  invalidate:\n    orders: { namespace: " + CachedOrderReader.NAMESPACE
                            + ", tenant: tenant_id, id: id }\n");
            log.accept("migrating every shard (Liquibase, one process per shard)");
            dev.shardline.migrations.MigrationReport migrated =
                    dev.shardline.migrations.ShardMigrator.fromYaml(yaml).migrate();
            if (!migrated.ok()) throw new IllegalStateException("migrations failed:\n" + migrated.render());
            ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
            this.config = cfg;
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            log.accept("building the Shardline DataSource over " + cfg.shardNames());
            shardline = open(ShardlineDataSource.create(cfg, RoutingSettings.from(cfg.section("routing")), registry));
            OrderStore store = new OrderStore(Jdbi.create(shardline), OrdersService.jsonMapper(), app.idempotencyTtl());
            cache = open(dev.shardline.cache.RedissonCacheAside.create(
                    "orders",
                    redis,
                    dev.shardline.cache.CacheConfig.builder()
                            .ttl(Duration.ofMinutes(5))
                            .build(),
                    OrdersService.jsonMapper(),
                    registry));
            log.accept("starting the CDC pipeline (Debezium per shard → DuckDB analytics + cache invalidation)");
            startCdc();
            opened.add(() -> {
                if (cdc != null) cdc.close();
            });
            service = open(OrdersService.builder(store, registry)
                    .settings(app)
                    .reader(new CachedOrderReader(cache, store))
                    .analytics(tenant -> new DuckDbSummary(cdcPipeline()).summary(tenant))
                    .check(ReadinessCheck.reported(
                            "redis", () -> redisServer.isRunning() ? null : "down (serving from the database)"))
                    .check(ReadinessCheck.reported(
                            "cdc",
                            () -> cdc != null && cdc.ready()
                                    ? null
                                    : "not streaming: " + (cdc == null ? "stopped" : cdc.status())))
                    .limiter(new TenantRateLimiter(redis, app.rateLimitPerSecond()))
                    .check(new ShardReadiness(shardline))
                    .start());
            log.accept("orders service on " + service.baseUri());
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** Starts the stack; {@code backend} null picks embedded PostgreSQL (works with only a JDK, even as root). */
    public static DemoStack start(
            int shards, PgBackend backend, AppSettings app, java.util.function.Consumer<String> log) throws Exception {
        return new DemoStack(
                shards, backend != null ? backend : new dev.shardline.testkit.internal.EmbeddedBackend(), app, log);
    }

    private <T extends AutoCloseable> T open(T c) {
        opened.add(c);
        return c;
    }

    /** Starts (or restarts) the in-process CDC pipeline; offsets in DuckDB make it resume where it stopped. */
    public synchronized void startCdc() {
        dev.shardline.cdc.CdcPipeline p = dev.shardline.cdc.CdcPipeline.builder(
                        config, dev.shardline.cdc.CdcConfig.fromYaml(config))
                .invalidator(cache)
                .build();
        p.start();
        cdc = p;
    }

    /** Stops the CDC pipeline (the "sidecar down" fault); changes made meanwhile are streamed after {@link #startCdc()}. */
    public synchronized void stopCdc() {
        if (cdc != null) cdc.close();
        cdc = null;
    }

    private dev.shardline.cdc.CdcPipeline cdcPipeline() {
        dev.shardline.cdc.CdcPipeline p = cdc;
        if (p == null) throw new IllegalStateException("cdc - the pipeline is stopped");
        return p;
    }

    /** Orders on every shard primary, counted directly (the source of truth for the analytics check). */
    public long sourceOrders() {
        long n = 0;
        for (PgNode p : cluster.primaries()) {
            try (var c = p.connect();
                    var st = c.createStatement();
                    var rs = st.executeQuery("SELECT count(*) FROM orders")) {
                rs.next();
                n += rs.getLong(1);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(p.name() + " - cannot count orders: " + e.getMessage(), e);
            }
        }
        return n;
    }

    /** Orders in the analytics store, or -1 while the CDC pipeline is stopped. */
    public long analyticsOrders() {
        dev.shardline.cdc.CdcPipeline p = cdc;
        return p == null ? -1 : new DuckDbSummary(p).totalOrders();
    }

    /** Returns the share of order reads served from the cache so far. */
    public double cacheHitRatio() {
        return cache.stats().hitRatio();
    }

    /** Returns the timeout used when waiting for replicas in checks. */
    public static Duration replicationWait() {
        return Duration.ofSeconds(10);
    }

    @Override
    public void close() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
        opened.clear();
    }
}
