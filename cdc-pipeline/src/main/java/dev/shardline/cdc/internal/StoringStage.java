package dev.shardline.cdc.internal;

import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one shard's batches to the sinks that store the resume offset (the analytics sinks, and
 * the observers after them) on a thread of its own, in order, so the engine thread hands the next
 * batch to the cache and application sinks while the analytics store still commits the previous
 * one: cache invalidation no longer waits for an analytics transaction. Batches that queue up
 * meanwhile are applied as one (as if Debezium had polled them together), so a slow store makes
 * transactions larger instead of holding the engine; past {@code maxQueuedEvents} queued changes
 * the engine thread waits.
 *
 * <p>At-least-once is unchanged: a batch enters only after every earlier sink applied it, and the
 * replication slot is confirmed from the offsets these sinks stored ({@link SinkOffsetStore}), never
 * from what was handed over. Batches still queued when the stream closes are dropped: the next
 * start resumes from the stored offset and delivers them again.
 */
final class StoringStage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoringStage.class);

    private record Pending(ChangeBatch batch, IntFunction<ChangeBatch> single, Runnable applied, long queuedNanos) {}

    private final String shard;
    private final SinkChain chain;
    private final int maxQueuedEvents;
    private final BooleanSupplier closed;
    private final ExecutorService thread;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int queuedEvents;
    private boolean draining;
    private volatile RuntimeException failure;

    StoringStage(String shard, SinkChain chain, int maxQueuedEvents, BooleanSupplier closed) {
        this.shard = shard;
        this.chain = chain;
        this.maxQueuedEvents = maxQueuedEvents;
        this.closed = closed;
        this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "cdc-" + shard + "-store"));
    }

    SinkChain chain() {
        return chain;
    }

    /**
     * Queues {@code batch}; {@code applied} runs once the stage's sinks applied it. Waits while too
     * many changes are queued.
     *
     * @throws ShardlineCdcException when an earlier batch could not be applied (the engine then
     *     restarts from the stored offset) or the stream closes while waiting
     */
    void submit(ChangeBatch batch, IntFunction<ChangeBatch> single, Runnable applied) throws InterruptedException {
        synchronized (this) {
            while (!queue.isEmpty() && queuedEvents + batch.events().size() > maxQueuedEvents) {
                throwIfFailed();
                if (closed.getAsBoolean()) {
                    throw new ShardlineCdcException(
                            "cdc " + shard
                                    + " - stopped while the analytics sinks were behind; the batch is delivered again at the next start");
                }
                wait(50);
            }
            throwIfFailed();
            queue.add(new Pending(batch, single, applied, System.nanoTime()));
            queuedEvents += batch.events().size();
            if (!draining) {
                draining = true;
                thread.execute(this::drain);
            }
        }
    }

    private void throwIfFailed() {
        RuntimeException f = failure;
        if (f != null) {
            throw new ShardlineCdcException(
                    "cdc " + shard + " - the analytics stage stopped on an error: " + f.getMessage()
                            + "; restarting the engine from the stored offset",
                    f);
        }
    }

    /**
     * Drops the batches not yet started (the one being applied finishes): when this sidecar loses the
     * shard's lease, another one may stream the shard next, and late batches from here would write
     * older rows over its newer ones. The dropped batches come again from the stored offset.
     */
    synchronized void discardQueued() {
        for (Pending p : queue) queuedEvents -= p.batch().events().size();
        queue.clear();
        notifyAll();
    }

    /** Forgets an earlier failure: a new engine resumes from the stored offset. */
    void reset() {
        failure = null;
    }

    private void drain() {
        while (true) {
            List<Pending> take = new ArrayList<>();
            int events = 0;
            synchronized (this) {
                if (queue.isEmpty() || closed.getAsBoolean() || failure != null) {
                    queue.clear(); // dropped batches come again from the stored offset
                    queuedEvents = 0;
                    draining = false;
                    notifyAll();
                    return;
                }
                // A snapshot batch goes alone (its offset is a snapshot offset); streamed batches merge.
                take.add(queue.poll());
                if (!take.get(0).batch().snapshotOffset()) {
                    while (!queue.isEmpty() && !queue.peek().batch().snapshotOffset()) take.add(queue.poll());
                }
                for (Pending p : take) events += p.batch().events().size();
            }
            long started = System.nanoTime();
            for (Pending p : take) chain.metrics().stageWait.record(started - p.queuedNanos(), TimeUnit.NANOSECONDS);
            try {
                Pending merged = merge(take);
                chain.deliver(merged.batch(), merged.single());
                for (Pending p : take) p.applied().run();
            } catch (RuntimeException e) {
                if (!closed.getAsBoolean()) LOG.error("cdc {} - analytics stage failed: {}", shard, e.getMessage(), e);
                failure = e;
            }
            synchronized (this) {
                queuedEvents -= events;
                notifyAll();
            }
        }
    }

    private static Pending merge(List<Pending> ps) {
        if (ps.size() == 1) return ps.get(0);
        List<ChangeEvent> events = new ArrayList<>();
        int[] starts = new int[ps.size()];
        for (int i = 0; i < ps.size(); i++) {
            starts[i] = events.size();
            events.addAll(ps.get(i).batch().events());
        }
        ChangeBatch last = ps.get(ps.size() - 1).batch();
        ChangeBatch all =
                new ChangeBatch(last.shard(), events, last.offsetJson(), last.offsetPosition(), last.snapshotOffset());
        IntFunction<ChangeBatch> single = i -> {
            int k = ps.size() - 1;
            while (starts[k] > i) k--; // the last batch starting at or before change i holds it
            return ps.get(k).single().apply(i - starts[k]);
        };
        return new Pending(all, single, null, ps.get(0).queuedNanos());
    }

    /** Lets the batch being applied finish (queued ones are dropped), then stops the thread. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) thread.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
