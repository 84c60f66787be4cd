package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.data.Envelope;
import io.debezium.pipeline.meters.CommonEventMeter;
import io.debezium.pipeline.source.spi.EventMetadataProvider;
import io.debezium.pipeline.spi.OffsetContext;
import io.debezium.relational.TableId;
import io.debezium.spi.schema.DataCollectionId;
import io.debezium.util.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class LastEventSummaryTest {
    @Test
    void hooksFound_inPinnedDebezium() {
        // A Debezium upgrade that moves the metrics' fields must fail here, not silently bring back a JSON
        // rendering of every change.
        assertThat(LastEventSummary.hooksFound()).isTrue();
    }

    @Test
    void install_summaryIsTheTable_countsUnchanged() throws Exception {
        AtomicInteger rendered = new AtomicInteger();
        EventMetadataProvider debeziums = new EventMetadataProvider() {
            @Override
            public Instant getEventTimestamp(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
                return Instant.EPOCH;
            }

            @Override
            public Map<String, String> getEventSourcePosition(
                    DataCollectionId source, OffsetContext offset, Object key, Struct value) {
                return Map.of();
            }

            @Override
            public String getTransactionId(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
                return "tx";
            }

            @Override
            public String toSummaryString(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
                rendered.incrementAndGet();
                return "the whole event";
            }
        };
        CommonEventMeter meter = new CommonEventMeter(Clock.system(), debeziums);
        TableId orders = new TableId(null, "public", "orders");
        meter.onEvent(orders, null, null, null, Envelope.Operation.CREATE);
        assertThat(meter.getLastEvent()).isEqualTo("the whole event");

        LastEventSummary.install(meter);
        LastEventSummary.install(meter); // a restarted task meets an already installed summary
        meter.onEvent(orders, null, null, null, Envelope.Operation.UPDATE);
        meter.onEvent(orders, null, null, null, Envelope.Operation.DELETE);

        assertThat(rendered).hasValue(1);
        assertThat(meter.getLastEvent()).isEqualTo("public.orders");
        assertThat(meter.getTotalNumberOfEventsSeen()).isEqualTo(3);
        assertThat(meter.getTotalNumberOfUpdateEventsSeen()).isEqualTo(1);
        assertThat(meter.getTotalNumberOfDeleteEventsSeen()).isEqualTo(1);
    }
}
