package dev.shardline.cdc.internal;

import io.debezium.config.Configuration;
import io.debezium.connector.base.ChangeEventQueue;
import io.debezium.connector.postgresql.PostgresConnectorTask;
import io.debezium.connector.postgresql.PostgresOffsetContext;
import io.debezium.connector.postgresql.PostgresPartition;
import io.debezium.pipeline.ChangeEventSourceCoordinator;
import io.debezium.pipeline.DataChangeEvent;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debezium's PostgreSQL task with a poll that returns a change within about a millisecond of its
 * being queued and does not spin while the queue is empty.
 *
 * <p>Why: Debezium 3.6's {@code ChangeEventQueue.poll()} waits the whole {@code poll.interval.ms}
 * for a batch to fill before it returns a partial one, and in the last sub-millisecond of every
 * interval it loops without waiting ({@code await(remaining.toMillis())} is skipped at 0 ms) — about
 * a millisecond of busy CPU per interval per shard even when nothing changes. This task waits for
 * the first queued change itself, parked in {@link #IDLE_STEP} steps, and only then lets the queue
 * poll, with the queue's own fill wait cut to {@link #FILL_WAIT}. {@code poll.interval.ms} then only
 * paces the reader's sleeps between empty reads of the replication stream.
 *
 * <p>Both changes reach into Debezium's private state; if a Debezium upgrade renames it, the task
 * logs a warning once and polls exactly as Debezium does (slower and costlier, never wrong).
 */
public final class PromptPostgresTask extends PostgresConnectorTask {
    private static final Logger LOG = LoggerFactory.getLogger(PromptPostgresTask.class);

    /** How long an idle poll parks between looks at the queue: the most it adds to a change's latency. */
    static final Duration IDLE_STEP = Duration.ofMillis(5);

    /** How long the queue may wait for more changes once it holds some: a batch is what arrived meanwhile. */
    static final Duration FILL_WAIT = Duration.ofMillis(1);

    /**
     * An idle poll returns after this long, so the engine can stop the task and commit offsets, and a
     * producer's failure surfaces.
     */
    static final Duration RETURN_CONTROL = Duration.ofMillis(250);

    private static final Field QUEUE = DebeziumFields.find(PostgresConnectorTask.class, "queue");
    private static final Field POLL_INTERVAL = DebeziumFields.find(ChangeEventQueue.class, "pollInterval");
    private static volatile boolean warned;

    private ChangeEventQueue<DataChangeEvent> tuned;

    @Override
    public ChangeEventSourceCoordinator<PostgresPartition, PostgresOffsetContext> start(Configuration config) {
        ChangeEventSourceCoordinator<PostgresPartition, PostgresOffsetContext> started = super.start(config);
        LastEventSummary.install(started);
        return started;
    }

    @Override
    public List<SourceRecord> doPoll() throws InterruptedException {
        ChangeEventQueue<DataChangeEvent> queue = queue();
        if (queue == null) return super.doPoll();
        awaitFirst(queue);
        // Polled even when nothing arrived: the queue's poll is where a failed producer's error (a
        // snapshot query that broke on a concurrent DDL, a lost connection) reaches the engine, which
        // then stops and is restarted. Returning an empty list instead left such an engine hung.
        return pollRecords(queue);
    }

    /** Parks until the queue holds a change (true) or {@link #RETURN_CONTROL} passed (false). */
    static boolean awaitFirst(ChangeEventQueue<DataChangeEvent> queue) throws InterruptedException {
        long deadline = System.nanoTime() + RETURN_CONTROL.toNanos();
        long step = IDLE_STEP.toNanos();
        while (queue.remainingCapacity() == queue.totalCapacity()) {
            if (System.nanoTime() - deadline >= 0) return false;
            LockSupport.parkNanos(step);
            // The engine interrupts its polling thread to stop the task.
            if (Thread.interrupted()) throw new InterruptedException("poll interrupted");
        }
        return true;
    }

    /** Returns the task's queue with its fill wait cut, or null when Debezium's private state is not where expected. */
    @SuppressWarnings("unchecked")
    private ChangeEventQueue<DataChangeEvent> queue() {
        if (QUEUE == null) {
            warnOnce("Debezium's task queue field was not found");
            return null;
        }
        try {
            ChangeEventQueue<DataChangeEvent> q = (ChangeEventQueue<DataChangeEvent>) QUEUE.get(this);
            if (q == null) return null; // the task has not started yet
            if (q != tuned) {
                if (!cutFillWait(q)) return null;
                tuned = q;
            }
            return q;
        } catch (IllegalAccessException | RuntimeException e) {
            warnOnce(e.toString());
            return null;
        }
    }

    /** Sets the queue's fill wait to {@link #FILL_WAIT}; false (after a warning) when Debezium's field is not where expected. */
    static boolean cutFillWait(ChangeEventQueue<?> queue) {
        if (POLL_INTERVAL == null) {
            warnOnce("Debezium's queue poll interval field was not found");
            return false;
        }
        try {
            POLL_INTERVAL.set(queue, FILL_WAIT);
            return true;
        } catch (IllegalAccessException | RuntimeException e) {
            warnOnce(e.toString());
            return false;
        }
    }

    /** True when both pieces of Debezium's private state this task relies on were found. */
    static boolean hooksFound() {
        return QUEUE != null && POLL_INTERVAL != null;
    }

    private static void warnOnce(String why) {
        if (warned) return;
        warned = true;
        LOG.warn(
                "cdc - {}; polling as Debezium does (each poll waits up to poll.interval.ms for a full batch and spins briefly while idle)",
                why);
    }
}
