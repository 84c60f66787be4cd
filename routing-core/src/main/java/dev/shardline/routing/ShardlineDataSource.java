package dev.shardline.routing;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.routing.internal.Engine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A drop-in {@link DataSource} over many PostgreSQL shards: every statement goes to the shard that
 * owns its tenant, reads outside transactions go to caught-up replicas, writes and transactions to
 * the primary, and a statement on a sharded table without a tenant is rejected, never scattered.
 *
 * <pre>{@code
 * DataSource ds = ShardlineDataSource.fromYaml(Path.of("shardline.yaml"));
 * }</pre>
 */
public final class ShardlineDataSource implements DataSource, AutoCloseable {
    private final Engine engine;
    private volatile PrintWriter logWriter;

    private ShardlineDataSource(Engine engine) {
        this.engine = engine;
    }

    /**
     * Reads {@code shardline.yaml} and builds the DataSource, publishing metrics to Micrometer's
     * global registry.
     *
     * @throws dev.shardline.config.ShardlineConfigException naming file, line and key of a bad setting
     * @throws ShardlineRoutingException naming the endpoint that cannot be reached (see {@code routing.startupCheck})
     */
    public static ShardlineDataSource fromYaml(Path path) {
        Objects.requireNonNull(path, "path");
        ShardlineConfig config = ShardlineConfig.fromYaml(path);
        return create(config, RoutingSettings.from(config.section("routing")), Metrics.globalRegistry);
    }

    /** Builds the DataSource from a bound configuration, reading routing settings from its {@code routing:} section. */
    public static ShardlineDataSource create(ShardlineConfig config) {
        Objects.requireNonNull(config, "config");
        return create(config, RoutingSettings.from(config.section("routing")), Metrics.globalRegistry);
    }

    /** Builds the DataSource with explicit settings and meter registry. */
    public static ShardlineDataSource create(ShardlineConfig config, RoutingSettings settings, MeterRegistry registry) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(registry, "registry");
        return new ShardlineDataSource(new Engine(config, settings, registry));
    }

    /**
     * As {@link #create(ShardlineConfig, RoutingSettings, MeterRegistry)}, tracing every routed
     * statement with {@code otel}. The other factories trace with {@code GlobalOpenTelemetry} once the
     * application or the Java agent installs it (and not at all before: no-op spans).
     */
    public static ShardlineDataSource create(
            ShardlineConfig config,
            RoutingSettings settings,
            MeterRegistry registry,
            io.opentelemetry.api.OpenTelemetry otel) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(otel, "otel");
        return new ShardlineDataSource(new Engine(config, settings, registry, otel));
    }

    /** Returns a logical connection; physical connections are borrowed per shard when statements run. */
    @Override
    public Connection getConnection() throws SQLException {
        return engine.connect();
    }

    /** Credentials are per shard in {@code shardline.yaml}; this form is not supported. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException(
                "shardline - credentials are configured per shard in shardline.yaml; call getConnection()", "0A000");
    }

    /**
     * Explains where {@code sql} would go without running it. {@code tenant} fills every tenant-key
     * parameter of the statement, or serves as the tenant context if the SQL carries no key.
     */
    public RoutePlan explain(String sql, Object tenant) {
        Engine.Explanation e = engine.explain(sql, tenant);
        return new RoutePlan(sql, e.kind() + "/" + e.target(), e.shards(), e.role(), e.reason());
    }

    /**
     * Returns a lower bound of the WAL position a read of {@code tenant} is served at, whichever of
     * its shard's endpoints serves it, from the health monitor's last samples (no round trip): every
     * commit at or before it is visible. Caches use it to prove a fill is not older than an
     * invalidation ({@code CacheConfig.readPositions}).
     */
    public ReadPosition readPosition(Object tenant) {
        return engine.readPosition(tenant);
    }

    /** The engine behind this DataSource, for entry points of this package that bypass JDBC (COPY). */
    dev.shardline.routing.internal.Engine engine() {
        return engine;
    }

    /**
     * Settles the transactions on every shard that Shardline left prepared (a process that crashed
     * during a two-phase commit): each is committed if its decision shard committed, rolled back if
     * it did not, and left while it is still in progress. Runs at start and every minute by itself.
     */
    public RecoveryReport recoverPreparedTransactions() {
        return engine.recoverPreparedTransactions();
    }

    /** Returns the health of every endpoint: primaries and replicas, breaker states and replica lag. */
    public List<EndpointStatus> health() {
        return engine.states().stream()
                .map(s ->
                        new EndpointStatus(s.endpoint(), s.shard(), s.role(), s.healthy(), s.lagMillis(), s.breaker()))
                .toList();
    }

    /** Returns the configuration this DataSource was built from. */
    public ShardlineConfig config() {
        return engine.config();
    }

    /** Closes every pool and the health monitor. Open logical connections fail afterwards. */
    @Override
    public void close() {
        engine.close();
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // connect timeouts are per shard in shardline.yaml (routing.connectTimeout)
    }

    @Override
    public int getLoginTimeout() {
        return (int) engine.config().shards().get(0).pool().connectionTimeout().toSeconds();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("shardline logs through SLF4J", "0A000");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface == null) throw new SQLException("shardline - unwrap(null): name the interface to unwrap to", "22023");
        if (iface.isInstance(this)) return iface.cast(this);
        throw new SQLException("shardline - not a wrapper for " + iface.getName(), "0A000");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface != null && iface.isInstance(this);
    }
}
