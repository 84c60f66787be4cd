package dev.shardline.cdc.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * The pipeline's meters, one set per shard: events, lag, restarts, sink errors, snapshot rows, and
 * where a change's latency goes (commit to receipt, each sink's apply, the wait before the
 * analytics stage) as Prometheus histograms with fixed buckets, so a tail can be located from
 * {@code /metrics} ({@code histogram_quantile}) without a profiler.
 */
public final class CdcMetrics {
    /** Bucket bounds of the latency histograms: fixed (not decaying), so two scrapes can be subtracted. */
    static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(1),
        Duration.ofMillis(2),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(20),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(200),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofSeconds(5)
    };

    private final MeterRegistry registry;
    private final BatchTracing tracing;

    public CdcMetrics(MeterRegistry registry) {
        this(registry, null);
    }

    /** Meters in {@code registry}; batch spans with {@code otel} (null: the global OpenTelemetry once installed). */
    public CdcMetrics(MeterRegistry registry, io.opentelemetry.api.OpenTelemetry otel) {
        this.registry = registry;
        this.tracing = new BatchTracing(otel);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The meters of one shard. */
    public final class Shard {
        final Counter events;
        final Counter restarts;
        final Counter snapshotRows;
        final AtomicLong lagMs = new AtomicLong();
        final Timer receive;
        final Timer stageWait;
        private final Map<String, Timer> apply = new ConcurrentHashMap<>();
        private final String shard;

        Shard(String shard, ShardStream stream) {
            this.shard = shard;
            events = Counter.builder("shardline.cdc.events")
                    .description("row changes applied to every sink")
                    .tag("shard", shard)
                    .register(registry);
            restarts = Counter.builder("shardline.cdc.restarts")
                    .description("engine restarts after a failure")
                    .tag("shard", shard)
                    .register(registry);
            snapshotRows = Counter.builder("shardline.cdc.snapshot.rows")
                    .description("rows copied by the initial snapshot")
                    .tag("shard", shard)
                    .register(registry);
            receive = latency(
                            "shardline.cdc.receive",
                            "commit at the source to the change reaching the sinks (replication, Debezium, "
                                    + "hand-over; millisecond resolution)")
                    .register(registry);
            stageWait = latency("shardline.cdc.stage.wait", "a batch waiting before the offset-storing sinks take it")
                    .register(registry);
            Gauge.builder("shardline.cdc.lag.ms", lagMs, AtomicLong::get)
                    .description("commit to applied of the last change")
                    .tag("shard", shard)
                    .register(registry);
            gauge("shardline.cdc.lag.bytes", "WAL the slot has not confirmed yet", stream, ShardStream::lagBytes);
            gauge("shardline.cdc.up", "1 while the shard's engine is streaming", stream, s -> s.streaming() ? 1 : 0);
            gauge(
                    "shardline.cdc.slot.safe.wal.bytes",
                    "WAL the slot may still fall behind before PostgreSQL invalidates it (NaN: unlimited)",
                    stream,
                    s -> s.slot().safeWalBytes());
            gauge(
                    "shardline.cdc.slot.status",
                    "wal_status of the slot: 0 reserved, 1 extended, 2 unreserved, 3 lost, -1 unknown",
                    stream,
                    s -> s.slot().statusCode());
        }

        private Timer.Builder latency(String name, String help) {
            return Timer.builder(name).description(help).tag("shard", shard).serviceLevelObjectives(LATENCY_BUCKETS);
        }

        /** Returns the timer of {@code sink}'s successful applies. */
        Timer apply(String sink) {
            return apply.computeIfAbsent(
                    sink,
                    s -> latency("shardline.cdc.sink.apply", "one sink applying one batch")
                            .tag("sink", s)
                            .register(registry));
        }

        private void gauge(String name, String help, ShardStream s, ToDoubleFunction<ShardStream> f) {
            Gauge.builder(name, s, f).description(help).tag("shard", shard).register(registry);
        }

        BatchTracing tracing() {
            return tracing;
        }

        void sinkError(String sink) {
            BatchTracing.sinkError(sink);
            Counter.builder("shardline.cdc.sink.errors")
                    .description("batches a sink failed")
                    .tag("shard", shard)
                    .tag("sink", sink)
                    .register(registry)
                    .increment();
        }

        void deadLettered(String sink, int events) {
            Counter.builder("shardline.cdc.deadletter.events")
                    .description("events a sink could not apply, stored in the dead-letter table")
                    .tag("shard", shard)
                    .tag("sink", sink)
                    .register(registry)
                    .increment(events);
        }
    }

    Shard forShard(String shard, ShardStream stream) {
        return new Shard(shard, stream);
    }
}
