package dev.shardline.cdc.internal;

import io.debezium.pipeline.ChangeEventSourceCoordinator;
import io.debezium.pipeline.meters.CommonEventMeter;
import io.debezium.pipeline.metrics.PipelineMetrics;
import io.debezium.pipeline.source.spi.EventMetadataProvider;
import io.debezium.pipeline.spi.OffsetContext;
import io.debezium.pipeline.txmetadata.TransactionInfo;
import io.debezium.spi.schema.DataCollectionId;
import java.lang.reflect.Field;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes Debezium's "last event" metric name the event's table instead of printing the whole event.
 *
 * <p>Why: Debezium 3.6's {@code CommonEventMeter.onEvent} renders every change as a JSON summary
 * (building a new Jackson {@code ObjectMapper} per change) only to keep it as the JMX attribute
 * {@code LastEvent}, which nothing in Shardline reads. On the dev machine that was 37 % of the
 * replication reader's CPU, about 5 µs of each change's 32 µs on a raw drain (docs/PERFORMANCE.md).
 * The meter keeps counting events exactly as before; only the summary string is cheaper.
 *
 * <p>The fields are Debezium's private state; if an upgrade moves them the metric stays as Debezium
 * makes it (costlier, never wrong) and {@link #hooksFound()} fails the build's unit test first.
 */
final class LastEventSummary {
    private static final Logger LOG = LoggerFactory.getLogger(LastEventSummary.class);
    private static final Field STREAMING = DebeziumFields.find(ChangeEventSourceCoordinator.class, "streamingMetrics");
    private static final Field SNAPSHOT = DebeziumFields.find(ChangeEventSourceCoordinator.class, "snapshotMetrics");
    private static final Field METER = DebeziumFields.find(PipelineMetrics.class, "commonEventMeter");
    private static final Field PROVIDER = DebeziumFields.find(CommonEventMeter.class, "metadataProvider");
    private static volatile boolean warned;

    private LastEventSummary() {}

    /** True when every piece of Debezium's private state this relies on was found. */
    static boolean hooksFound() {
        return STREAMING != null && SNAPSHOT != null && METER != null && PROVIDER != null;
    }

    /** Installs the table-name summary in {@code coordinator}'s snapshot and streaming meters. */
    static void install(ChangeEventSourceCoordinator<?, ?> coordinator) {
        if (!hooksFound()) {
            warnOnce("Debezium's metrics fields were not found");
            return;
        }
        try {
            for (Field f : new Field[] {STREAMING, SNAPSHOT}) {
                Object metrics = f.get(coordinator);
                if (metrics instanceof PipelineMetrics<?>) install((CommonEventMeter) METER.get(metrics));
            }
        } catch (IllegalAccessException | RuntimeException e) {
            warnOnce(e.toString());
        }
    }

    /** Installs the table-name summary in one meter (kept idempotent: a restarted task meets its own). */
    static void install(CommonEventMeter meter) throws IllegalAccessException {
        if (meter == null) return;
        EventMetadataProvider current = (EventMetadataProvider) PROVIDER.get(meter);
        if (current == null || current instanceof TableOnly) return;
        PROVIDER.set(meter, new TableOnly(current));
    }

    /** Debezium's provider, but a summary that is only the table's name. */
    record TableOnly(EventMetadataProvider delegate) implements EventMetadataProvider {
        @Override
        public Instant getEventTimestamp(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
            return delegate.getEventTimestamp(source, offset, key, value);
        }

        @Override
        public Map<String, String> getEventSourcePosition(
                DataCollectionId source, OffsetContext offset, Object key, Struct value) {
            return delegate.getEventSourcePosition(source, offset, key, value);
        }

        @Override
        public String getTransactionId(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
            return delegate.getTransactionId(source, offset, key, value);
        }

        @Override
        public TransactionInfo getTransactionInfo(
                DataCollectionId source, OffsetContext offset, Object key, Struct value) {
            return delegate.getTransactionInfo(source, offset, key, value);
        }

        @Override
        public String toSummaryString(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
            return source == null ? "" : source.identifier();
        }
    }

    private static void warnOnce(String why) {
        if (warned) return;
        warned = true;
        LOG.warn("cdc - {}; Debezium keeps rendering every change for its LastEvent metric (costlier, not wrong)", why);
    }
}
