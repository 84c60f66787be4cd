package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SinkOffsetStoreTest {
    private static final ByteBuffer KEY = ByteBuffer.wrap("k".getBytes(StandardCharsets.UTF_8));

    @Test
    void get_sinksStoreANewerOffset_returnsItNotTheOneAtStart() throws Exception {
        // Debezium's PostgreSQL task confirms the slot from what get returns: it must follow the sinks.
        AtomicReference<String> stored = new AtomicReference<>();
        SinkOffsetStore.register("engine-test", () -> Optional.ofNullable(stored.get()));
        try {
            SinkOffsetStore store = new SinkOffsetStore();
            store.configure(new org.apache.kafka.connect.runtime.standalone.StandaloneConfig(Map.of(
                    "bootstrap.servers",
                    "localhost:9092",
                    "key.converter",
                    "org.apache.kafka.connect.json.JsonConverter",
                    "value.converter",
                    "org.apache.kafka.connect.json.JsonConverter",
                    "offset.storage.file.filename",
                    "unused",
                    SinkOffsetStore.ENGINE_PROPERTY,
                    "engine-test")));
            store.start();
            assertThat(store.get(List.of(KEY)).get()).isEmpty();
            stored.set("{\"lsn\":2}");
            assertThat(text(store.get(List.of(KEY)).get().get(KEY))).isEqualTo("{\"lsn\":2}");
            store.set(Map.of(KEY, ByteBuffer.wrap("{\"lsn\":9}".getBytes(StandardCharsets.UTF_8))), null);
            assertThat(text(store.get(List.of(KEY)).get().get(KEY)))
                    .as("set writes nothing")
                    .isEqualTo("{\"lsn\":2}");
        } finally {
            SinkOffsetStore.unregister("engine-test");
        }
    }

    private static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }
}
