package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.cdc.spi.Position;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

class RecordConverterTest {
    @Test
    void render_debeziumTimeTypes_asPostgresText() {
        assertThat(RecordConverter.render(
                        19_000,
                        SchemaBuilder.int32().name("io.debezium.time.Date").build()))
                .isEqualTo("2022-01-08");
        assertThat(RecordConverter.render(
                        1_500_000L,
                        SchemaBuilder.int64()
                                .name("io.debezium.time.MicroTimestamp")
                                .build()))
                .isEqualTo("1970-01-01T00:00:01.500");
        assertThat(RecordConverter.render(
                        3_600_000_000L,
                        SchemaBuilder.int64().name("io.debezium.time.MicroTime").build()))
                .isEqualTo("01:00");
        assertThat(RecordConverter.render("12.50", Schema.STRING_SCHEMA)).isEqualTo("12.50");
        assertThat(RecordConverter.render(ByteBuffer.wrap(new byte[] {1, (byte) 0xab}), Schema.BYTES_SCHEMA))
                .isEqualTo("\\x01ab");
        assertThat(RecordConverter.render(null, Schema.OPTIONAL_STRING_SCHEMA)).isNull();
    }

    @Test
    void position_interleavedTransactions_orderedByLastCommitThenLsn() {
        // T2 (changes at 150, commit 160) commits before T1 (change at 100, commit 200):
        // T2's change is streamed first, with the commit before it (50) as lsn_commit.
        Position t2Change = RecordConverter.position(Map.of("lsn_commit", 50L, "lsn", 150L));
        Position t1Change = RecordConverter.position(Map.of("lsn_commit", 160L, "lsn", 100L));
        assertThat(t1Change.isAfter(t2Change)).isTrue();
        assertThat(RecordConverter.position(Map.of("lsn", 7L))).isEqualTo(new Position(0, 7));
    }

    @Test
    void isSnapshotOffset_readsDebeziumSnapshotMarkers() {
        assertThat(RecordConverter.isSnapshotOffset(Map.of("snapshot", "INITIAL")))
                .isTrue();
        assertThat(RecordConverter.isSnapshotOffset(Map.of("snapshot", true))).isTrue();
        assertThat(RecordConverter.isSnapshotOffset(Map.of("lsn", 1L))).isFalse();
    }
}
