package dev.shardline.cdc;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cdc.internal.CdcMetrics;
import dev.shardline.cdc.internal.HttpEndpoint;
import dev.shardline.cdc.internal.PipelineSinks;
import dev.shardline.cdc.internal.ShardStream;
import dev.shardline.cdc.internal.SourceAdmin;
import dev.shardline.cdc.internal.SourceTable;
import dev.shardline.cdc.spi.ChangeSink;
import dev.shardline.config.ShardSpec;
import dev.shardline.config.ShardlineConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CDC pipeline over every shard primary of a {@code shardline.yaml}: a Debezium engine per
 * shard feeding the configured sinks, embeddable in-process or run by {@link dev.shardline.cdc.cli.CdcCommand}.
 *
 * <pre>
 * try (CdcPipeline p = CdcPipeline.builder(config, CdcConfig.fromYaml(config)).invalidator(cache).build()) {
 *   p.start();
 *   ...
 * }
 * </pre>
 */
public final class CdcPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CdcPipeline.class);

    private final ShardlineConfig config;
    private final CdcConfig cdc;
    private final CacheInvalidator invalidator;
    private final List<ChangeSink> extraSinks;
    private final List<ChangeSink> observers;
    private final List<ShardSpec> shards;
    private final Map<String, OnError> userPolicies;
    private final boolean builtInSinks;
    private final PrometheusMeterRegistry registry;
    private final io.opentelemetry.api.OpenTelemetry otel;
    private volatile PipelineSinks sinks;
    private final List<ShardStream> streams = new ArrayList<>();
    private HttpEndpoint http;
    private boolean started;
    private boolean closed;

    private CdcPipeline(Builder b) {
        this.config = b.config;
        this.cdc = b.cdc;
        this.invalidator = b.invalidator;
        this.extraSinks = List.copyOf(b.sinks);
        this.observers = List.copyOf(b.observers);
        this.userPolicies = Map.copyOf(b.policies);
        this.shards = b.shards == null
                ? config.shards()
                : config.shards().stream()
                        .filter(s -> b.shards.contains(s.name()))
                        .toList();
        this.builtInSinks = b.builtInSinks;
        this.registry = b.registry != null ? b.registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.otel = b.otel;
    }

    /** Returns a builder for the pipeline of {@code config}'s shards with the {@code cdc:} settings {@code cdc}. */
    public static Builder builder(ShardlineConfig config, CdcConfig cdc) {
        return new Builder(config, cdc);
    }

    /** Returns a pipeline from a {@code shardline.yaml} with its built-in sinks and no cache invalidation. */
    public static CdcPipeline fromYaml(Path file) {
        ShardlineConfig config = ShardlineConfig.fromYaml(file);
        return builder(config, CdcConfig.fromYaml(config)).build();
    }

    /**
     * Validates every shard (wal_level, tables, free slot), creates the publications, opens the sinks
     * and starts one engine per shard; returns without waiting for the streams.
     *
     * @throws ShardlineCdcException naming the shard and the fix when a shard is unfit or unreachable
     */
    public synchronized void start() {
        if (started) throw new IllegalStateException("cdc - pipeline already started");
        started = true;
        SourceAdmin admin = new SourceAdmin(cdc, config.tables())
                .broadcastFrom(config.shards().get(0).name());
        Map<String, Map<String, SourceTable>> perShard = new LinkedHashMap<>();
        for (ShardSpec s : shards) perShard.put(s.name(), admin.prepare(s));
        Map<String, SourceTable> schema = perShard.values().iterator().next();
        try {
            sinks = new PipelineSinks(cdc, schema, invalidator, extraSinks, builtInSinks, observers);
            sinks.open(config, admin);
            CdcMetrics metrics = new CdcMetrics(registry, otel);
            for (ShardSpec s : shards) {
                streams.add(
                        new ShardStream(s, cdc, perShard.get(s.name()), sinks.list(), metrics, admin, this::policyOf));
            }
            streams.forEach(ShardStream::start);
            cdc.httpPort().ifPresent(port -> http = new HttpEndpoint(port, registry, this::ready, this::readyBody));
            LOG.info(
                    "cdc - started {} shard engines, sinks {}, tables {}",
                    streams.size(),
                    sinks.list().stream().map(ChangeSink::name).toList(),
                    cdc.tables());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private OnError policyOf(String sink) {
        OnError own = userPolicies.get(sink);
        return own != null ? own : cdc.onErrorOf(sink);
    }

    /** True once some sink dead-lettered a change ({@code onError: deadletter}); the pipeline still streams. */
    public boolean degraded() {
        return streams.stream().anyMatch(ShardStream::degraded);
    }

    private Map<String, Object> readyBody() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", ready());
        body.put("degraded", degraded());
        body.put("shards", status());
        return body;
    }

    /** True when every shard's engine is streaming and no sink is failing a batch. */
    public boolean ready() {
        return !streams.isEmpty() && streams.stream().allMatch(ShardStream::healthy);
    }

    /**
     * Returns each shard's state: {@code streaming}; {@code standby: …} while another sidecar holds
     * the shard; or {@code down: } and the last error while it retries.
     */
    public Map<String, String> status() {
        Map<String, String> out = new LinkedHashMap<>();
        for (ShardStream s : streams) out.put(s.shard(), s.state());
        return out;
    }

    /**
     * Returns a new connection to this process's DuckDB analytics store (DuckDB allows one writer
     * process per file, so readers in the same process go through here). The caller closes it.
     */
    public java.sql.Connection openDuckDbReader() {
        PipelineSinks open = sinks;
        if (open == null)
            throw new ShardlineCdcException("cdc - no duckdb sink is open; configure cdc.sinks.duckdb and start()");
        return open.openDuckDbReader();
    }

    /** Returns the port of the HTTP endpoint, or -1 when {@code cdc.http} is not configured. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    /** Stops every engine (their last batch finishes), then closes the sinks and the HTTP endpoint. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        streams.parallelStream().forEach(ShardStream::close);
        if (sinks != null) sinks.close();
        if (http != null) http.close();
    }

    /** Drops the slots and publications this pipeline created on every shard; returns what was dropped. */
    public static List<String> cleanup(ShardlineConfig config, CdcConfig cdc) {
        SourceAdmin admin = new SourceAdmin(cdc, config.tables());
        List<String> out = new ArrayList<>();
        for (ShardSpec s : config.shards()) admin.cleanup(s).forEach(d -> out.add(s.name() + ": " + d));
        return out;
    }

    /**
     * Prepares {@code shard} to be copied into the sinks again (its slot was invalidated, or its
     * analytics rows are suspect): drops its slot and removes its analytics rows and offsets, so the
     * next {@link #start()} snapshots it without duplicates. Run it while no sidecar runs.
     *
     * @return what was done, one line per step
     */
    public static List<String> resnapshot(ShardlineConfig config, CdcConfig cdc, String shard) {
        return dev.shardline.cdc.internal.Resnapshot.run(config, cdc, shard);
    }

    /** Builds a {@link CdcPipeline}. */
    public static final class Builder {
        private final ShardlineConfig config;
        private final CdcConfig cdc;
        private CacheInvalidator invalidator;
        private final List<ChangeSink> sinks = new ArrayList<>();
        private boolean builtInSinks = true;
        private PrometheusMeterRegistry registry;
        private io.opentelemetry.api.OpenTelemetry otel;
        private java.util.Set<String> shards;
        private final Map<String, OnError> policies = new LinkedHashMap<>();
        private final List<ChangeSink> observers = new ArrayList<>();

        private Builder(ShardlineConfig config, CdcConfig cdc) {
            this.config = Objects.requireNonNull(config, "config");
            this.cdc = Objects.requireNonNull(cdc, "cdc");
        }

        /** Invalidates cache keys by the {@code cdc.invalidate} rules through {@code invalidator}. */
        public Builder invalidator(CacheInvalidator invalidator) {
            this.invalidator = Objects.requireNonNull(invalidator, "invalidator");
            return this;
        }

        /** Registers the pipeline's meters in {@code registry} (served on {@code /metrics}) instead of a registry of its own. */
        public Builder meterRegistry(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Traces every batch with {@code otel} (a {@code shardline cdc batch} span per batch and sink
         * stage: shard, change count, LSN range). Without it, batches are traced with
         * {@code GlobalOpenTelemetry} once the application or the Java agent installs it.
         */
        public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry otel) {
            this.otel = Objects.requireNonNull(otel, "otel");
            return this;
        }

        /**
         * Adds a sink of the caller's; it runs after cache invalidation and before the analytics sinks,
         * which store the resume offset, so it receives every batch at least once.
         */
        public Builder sink(ChangeSink sink) {
            sinks.add(Objects.requireNonNull(sink, "sink"));
            return this;
        }

        /**
         * Adds a sink that runs after the analytics sinks committed each batch (for measurements and
         * notifications of what is durable). It is retried in place like any sink, but a crash while it
         * fails is not redelivered to it: the stored offset already moved. Use {@link #sink} for data.
         */
        public Builder observer(ChangeSink sink) {
            observers.add(Objects.requireNonNull(sink, "sink"));
            return this;
        }

        /**
         * Adds a sink of the caller's with its failure policy (else {@code cdc.onError.<name>}, default
         * {@link OnError#HALT}); {@link OnError#DEADLETTER} needs an analytics sink for the dead-letter table.
         */
        public Builder sink(ChangeSink sink, OnError onError) {
            sink(sink);
            if (onError == OnError.DEADLETTER
                    && cdc.duckdbPath().isEmpty()
                    && cdc.postgres().isEmpty()) {
                throw new ShardlineCdcException(
                        "cdc - sink " + sink.name() + ": onError deadletter needs an analytics sink "
                                + "(cdc.sinks.duckdb or cdc.sinks.postgres) for the dead-letter table; configure one or use OnError.HALT");
            }
            policies.put(sink.name(), Objects.requireNonNull(onError, "onError"));
            return this;
        }

        /**
         * Streams only these shards (by name), so the shards of one {@code shardline.yaml} can spread
         * over several sidecar hosts; broadcast tables stream from the file's first shard, wherever it runs.
         *
         * @throws ShardlineCdcException naming a shard the file does not have
         */
        public Builder shards(java.util.Collection<String> names) {
            List<String> known = config.shards().stream().map(ShardSpec::name).toList();
            for (String n : names) {
                if (!known.contains(n)) {
                    throw new ShardlineCdcException(
                            "cdc - --shards names '" + n + "' but shardline.yaml has the shards " + known
                                    + "; pass some of those, separated by commas");
                }
            }
            if (names.isEmpty())
                throw new ShardlineCdcException("cdc - --shards is empty; name at least one shard of " + known);
            this.shards = java.util.Set.copyOf(names);
            return this;
        }

        /** Leaves out the sinks of {@code cdc.sinks} (offsets then need {@code cdc.offsets.file}). */
        public Builder withoutBuiltInSinks() {
            if (cdc.offsetsFile().isEmpty()) {
                throw new ShardlineCdcException(
                        "cdc - without the analytics sinks, offsets need a place: set cdc.offsets.file");
            }
            builtInSinks = false;
            return this;
        }

        public CdcPipeline build() {
            return new CdcPipeline(this);
        }
    }
}
