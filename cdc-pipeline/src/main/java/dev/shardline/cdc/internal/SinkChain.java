package dev.shardline.cdc.internal;

import dev.shardline.cdc.OnError;
import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one shard's batches to its sinks in order, each at least once: a sink that throws gets
 * the same batch again after a backoff (250 ms doubling to 10 s) until it applies it, and the sinks
 * after it, which store the resume offset, see the batch only then. The engine keeps its slot
 * meanwhile, so a store that restarts costs no engine restart. A sink whose policy is
 * {@link OnError#DEADLETTER} gets, after {@value #ATTEMPTS_BEFORE_DEADLETTER} failed attempts, the
 * batch one change at a time; the changes it still refuses go to the dead-letter table.
 */
final class SinkChain {
    private static final Logger LOG = LoggerFactory.getLogger(SinkChain.class);
    static final long MIN_BACKOFF_MS = 250;
    static final long MAX_BACKOFF_MS = 10_000;
    static final int ATTEMPTS_BEFORE_DEADLETTER = 3;

    /** Where refused changes go: (sink name, change, error); throws when the store cannot take them. */
    interface DeadLetters {
        void store(String sink, ChangeEvent event, String error);
    }

    private final String shard;
    private final List<ChangeSink> sinks;
    private final CdcMetrics.Shard metrics;
    private final BooleanSupplier closed;
    private final Function<String, OnError> policy;
    private final DeadLetters deadLetters;
    private volatile String failing;
    private volatile String degraded;

    SinkChain(
            String shard,
            List<ChangeSink> sinks,
            CdcMetrics.Shard metrics,
            BooleanSupplier closed,
            Function<String, OnError> policy,
            DeadLetters deadLetters) {
        this.shard = shard;
        this.sinks = List.copyOf(sinks);
        this.metrics = metrics;
        this.closed = closed;
        this.policy = policy;
        this.deadLetters = deadLetters;
    }

    CdcMetrics.Shard metrics() {
        return metrics;
    }

    /** Returns the error of the sink the current batch is waiting for, or {@code null} when none fails. */
    String failing() {
        return failing;
    }

    /** Returns what was dead-lettered since the start (sink and count), or {@code null} when nothing was. */
    String degraded() {
        return degraded;
    }

    private int deadLettered;

    /**
     * Returns once every sink applied {@code batch} (or dead-lettered what it refused).
     *
     * @param single the batch of only the change at an index, carrying that change's own offset
     * @throws ShardlineCdcException when the stream is closed while a sink still fails
     */
    void deliver(ChangeBatch batch, IntFunction<ChangeBatch> single) {
        metrics.tracing().batch(batch, sinks, () -> deliverTraced(batch, single));
    }

    private void deliverTraced(ChangeBatch batch, IntFunction<ChangeBatch> single) {
        for (ChangeSink sink : sinks) deliver(sink, batch, single);
        failing = null;
    }

    private void deliver(ChangeSink sink, ChangeBatch batch, IntFunction<ChangeBatch> single) {
        boolean deadletter = policy.apply(sink.name()) == OnError.DEADLETTER;
        long backoff = MIN_BACKOFF_MS;
        for (int attempt = 1; ; attempt++) {
            String error = tryApply(sink, batch, attempt);
            if (error == null) return;
            if (deadletter
                    && attempt >= ATTEMPTS_BEFORE_DEADLETTER
                    && batch.events().size() > 0) {
                oneByOne(sink, batch, single);
                return;
            }
            sleep(backoff, sink);
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    /** Applies the batch's changes one at a time; a change refused {@value #ATTEMPTS_BEFORE_DEADLETTER} times is dead-lettered. */
    private void oneByOne(ChangeSink sink, ChangeBatch batch, IntFunction<ChangeBatch> single) {
        LOG.warn(
                "cdc {} - sink {} refused a batch of {} changes {} times; applying them one by one",
                shard,
                sink.name(),
                batch.events().size(),
                ATTEMPTS_BEFORE_DEADLETTER);
        for (int i = 0; i < batch.events().size(); i++) {
            ChangeEvent e = batch.events().get(i);
            ChangeBatch one = single.apply(i);
            long backoff = MIN_BACKOFF_MS;
            for (int attempt = 1; ; attempt++) {
                String error = tryApply(sink, one, attempt);
                if (error == null) break;
                if (attempt >= ATTEMPTS_BEFORE_DEADLETTER && storeDeadLetter(sink, e, error)) break;
                sleep(backoff, sink);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
        // The batch's own offset also covers records after its last change (heartbeats).
        String error;
        long backoff = MIN_BACKOFF_MS;
        ChangeBatch tail = new ChangeBatch(
                batch.shard(), List.of(), batch.offsetJson(), batch.offsetPosition(), batch.snapshotOffset());
        for (int attempt = 1; (error = tryApply(sink, tail, attempt)) != null; attempt++) {
            sleep(backoff, sink);
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    private boolean storeDeadLetter(ChangeSink sink, ChangeEvent e, String error) {
        try {
            deadLetters.store(sink.name(), e, error);
        } catch (RuntimeException ex) {
            failing = "sink " + sink.name() + " failed and the dead-letter table cannot take the change: "
                    + ex.getMessage();
            LOG.warn("cdc {} - {}", shard, failing);
            return false;
        }
        metrics.deadLettered(sink.name(), 1);
        synchronized (this) {
            deadLettered++;
            degraded = deadLettered + " changes dead-lettered (last by sink " + sink.name() + ")";
        }
        LOG.error(
                "cdc {} - sink {} refused a change of {} at {}: stored in the dead-letter table; error: {}",
                shard,
                sink.name(),
                e.table(),
                e.position(),
                error);
        return true;
    }

    /** Returns null when the sink applied the batch, else the error (after counting and logging it). */
    private String tryApply(ChangeSink sink, ChangeBatch batch, int attempt) {
        try {
            long t0 = System.nanoTime();
            sink.apply(batch);
            metrics.apply(sink.name()).record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (attempt > 1)
                LOG.info("cdc {} - sink {} applied the batch after {} attempts", shard, sink.name(), attempt);
            return null;
        } catch (RuntimeException ex) {
            metrics.sinkError(sink.name());
            failing = "sink " + sink.name() + " failed: " + ex.getMessage();
            if (attempt == 1)
                LOG.error("cdc {} - sink {} failed: {}; retrying the batch", shard, sink.name(), ex.getMessage(), ex);
            else
                LOG.warn(
                        "cdc {} - sink {} failed again (attempt {}): {}", shard, sink.name(), attempt, ex.getMessage());
            return String.valueOf(ex.getMessage());
        }
    }

    private void sleep(long ms, ChangeSink sink) {
        long until = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < until) {
            if (closed.getAsBoolean()) {
                throw new ShardlineCdcException("cdc " + shard + " - stopped while sink " + sink.name()
                        + " still failed; the batch is delivered again at the next start");
            }
            try {
                Thread.sleep(Math.min(50, ms));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ShardlineCdcException(
                        "cdc " + shard + " - interrupted while retrying sink " + sink.name()
                                + "; the batch is delivered again at the next start",
                        e);
            }
        }
    }
}
