package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.debezium.connector.base.ChangeEventQueue;
import io.debezium.pipeline.DataChangeEvent;
import io.debezium.util.LoggingContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class PromptPostgresTaskTest {
    /** A poll interval no test would survive waiting for: a poll that waits it hangs the test instead. */
    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void hooksFound_inPinnedDebezium() {
        // A Debezium upgrade that moves the queue or its poll interval must fail here, not silently fall
        // back to the spinning poll.
        assertThat(PromptPostgresTask.hooksFound()).isTrue();
    }

    @Test
    void poll_returnsQueuedChangeWithoutWaitingTheInterval() throws Exception {
        ChangeEventQueue<DataChangeEvent> queue = queue();
        assertThat(PromptPostgresTask.cutFillWait(queue)).isTrue();
        Thread producer = new Thread(() -> {
            try {
                Thread.sleep(50);
                queue.enqueue(event(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        List<DataChangeEvent> got = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            assertThat(PromptPostgresTask.awaitFirst(queue)).isTrue();
            return queue.poll();
        });
        producer.join();
        assertThat(got).hasSize(1);
        assertThat(got.get(0).getRecord().value()).isEqualTo("change-1");
    }

    @Test
    void poll_returnsEverythingQueuedInOneBatch() throws Exception {
        ChangeEventQueue<DataChangeEvent> queue = queue();
        PromptPostgresTask.cutFillWait(queue);
        for (int i = 0; i < 5; i++) queue.enqueue(event(i));
        List<DataChangeEvent> got = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            assertThat(PromptPostgresTask.awaitFirst(queue)).isTrue();
            return queue.poll();
        });
        assertThat(got)
                .extracting(e -> e.getRecord().value())
                .containsExactly("change-0", "change-1", "change-2", "change-3", "change-4");
    }

    @Test
    void awaitFirst_emptyQueue_returnsControlToTheEngine() {
        ChangeEventQueue<DataChangeEvent> queue = queue();
        boolean got = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> PromptPostgresTask.awaitFirst(queue));
        assertThat(got).isFalse();
    }

    @Test
    void poll_afterIdleWait_surfacesTheProducersFailure() {
        // The snapshot or streaming thread failed: nothing will ever be queued, so only the poll after the
        // idle wait can hand the error to the engine (which then restarts the stream).
        ChangeEventQueue<DataChangeEvent> queue = queue();
        PromptPostgresTask.cutFillWait(queue);
        queue.producerException(new IllegalStateException("snapshot failed: column \"note\" does not exist"));
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            assertThat(PromptPostgresTask.awaitFirst(queue)).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(queue::poll).hasMessageContaining("snapshot failed");
        });
    }

    @Test
    void awaitFirst_interrupted_throws() {
        ChangeEventQueue<DataChangeEvent> queue = queue();
        Thread.currentThread().interrupt();
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> PromptPostgresTask.awaitFirst(queue))
                    .isInstanceOf(InterruptedException.class);
        } finally {
            Thread.interrupted();
        }
    }

    private static ChangeEventQueue<DataChangeEvent> queue() {
        return new ChangeEventQueue.Builder<DataChangeEvent>()
                .pollInterval(HOUR)
                .maxBatchSize(100)
                .maxQueueSize(1000)
                .loggingContextSupplier(() -> LoggingContext.forConnector("postgres", "test", "test"))
                .build();
    }

    private static DataChangeEvent event(int i) {
        return new DataChangeEvent(new SourceRecord(
                Map.of("server", "test"), Map.of("lsn", (long) i), "t", Schema.STRING_SCHEMA, "change-" + i));
    }
}
