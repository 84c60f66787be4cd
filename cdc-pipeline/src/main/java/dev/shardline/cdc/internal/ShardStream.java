package dev.shardline.cdc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cdc.CdcConfig;
import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import dev.shardline.config.ShardSpec;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Debezium engine reading one shard primary, supervised: when the engine stops on an error
 * (the primary restarted, the network dropped) a new one starts after an exponential backoff,
 * resuming from the sinks' stored offset. Other shards' streams are unaffected.
 */
public final class ShardStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShardStream.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIN_BACKOFF_MS = 250;
    private static final long MAX_BACKOFF_MS = 10_000;

    private final ShardSpec shard;
    private final CdcConfig cdc;
    private final List<ChangeSink> sinks;
    private final RecordConverter converter;
    private final CdcMetrics.Shard metrics;
    private final SinkChain chain;
    private final StoringStage stage; // null when no sink stores offsets (Debezium's offsets file)
    private final SlotHealth slot;
    private final SourceAdmin admin;
    private final ShardLease lease;
    private volatile boolean engineRunning;
    private volatile boolean standby;
    private final ExecutorService runner;
    private final ScheduledExecutorService retries;
    private final String engineName;
    private final Optional<java.nio.file.Path> offsetsFile;
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private volatile boolean streaming;
    private volatile boolean closed;
    private volatile String lastError;
    private long backoffMs = MIN_BACKOFF_MS;
    private static final long SLOT_CHECK_SECONDS = 5;
    private boolean slotChecks;
    private long snapshotRows;

    public ShardStream(
            ShardSpec shard,
            CdcConfig cdc,
            Map<String, SourceTable> tables,
            List<ChangeSink> sinks,
            CdcMetrics metrics,
            SourceAdmin admin,
            java.util.function.Function<String, dev.shardline.cdc.OnError> policy) {
        this.admin = admin;
        this.lease = new ShardLease(shard, cdc.slotName(shard.name()));
        this.shard = shard;
        this.cdc = cdc;
        this.sinks = List.copyOf(sinks);
        this.converter = new RecordConverter(shard.name(), tables);
        this.engineName = cdc.name() + "-" + shard.name();
        this.offsetsFile = sinks.stream().anyMatch(ChangeSink::storesOffsets)
                ? Optional.empty()
                : cdc.offsetsFile().map(f -> f.resolveSibling(f.getFileName() + "." + shard.name()));
        this.runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "cdc-" + shard.name()));
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cdc-" + shard.name() + "-retry");
            t.setDaemon(true);
            return t;
        });
        this.metrics = metrics.forShard(shard.name(), this);
        AnalyticsSink deadLetterStore = sinks.stream()
                .filter(x -> x instanceof PostgresAnalyticsSink)
                .map(x -> (AnalyticsSink) x)
                .findFirst()
                .or(() -> sinks.stream()
                        .filter(x -> x instanceof AnalyticsSink)
                        .map(x -> (AnalyticsSink) x)
                        .findFirst())
                .orElse(null);
        SinkChain.DeadLetters deadLetters = (sink, e, error) -> {
            if (deadLetterStore == null)
                throw new ShardlineCdcException(
                        "cdc " + shard.name() + " - no analytics sink holds a dead-letter table");
            deadLetterStore.deadLetter(sink, e, error);
        };
        // The offset-storing sinks (and the observers after them) run on their own thread, so the cache
        // is invalidated for the next batch while the analytics store commits this one.
        int firstStoring = 0;
        while (firstStoring < sinks.size() && !sinks.get(firstStoring).storesOffsets()) firstStoring++;
        if (firstStoring == sinks.size()) {
            this.chain = new SinkChain(shard.name(), sinks, this.metrics, () -> closed, policy, deadLetters);
            this.stage = null;
        } else {
            this.chain = new SinkChain(
                    shard.name(), sinks.subList(0, firstStoring), this.metrics, () -> closed, policy, deadLetters);
            this.stage = new StoringStage(
                    shard.name(),
                    new SinkChain(
                            shard.name(),
                            sinks.subList(firstStoring, sinks.size()),
                            this.metrics,
                            () -> closed,
                            policy,
                            deadLetters),
                    Math.max(8192, cdc.maxBatchSize() * 4),
                    () -> closed);
        }
        this.slot = new SlotHealth(shard, cdc.slotName(shard.name()));
        SinkOffsetStore.register(engineName, this::resumeOffset);
    }

    public String shard() {
        return shard.name();
    }

    /** True once the engine's task runs, false while it is down or waiting to retry. */
    public boolean streaming() {
        return streaming;
    }

    /** True while the engine streams and no sink is failing the current batch. */
    public boolean healthy() {
        return streaming && sinkFailing() == null;
    }

    /** Returns why the shard does not advance: a failing sink, or the engine's last error; {@code null} when healthy. */
    public String lastError() {
        String f = sinkFailing();
        return f != null ? f : lastError;
    }

    /** True once a sink dead-lettered a change of this shard. */
    public boolean degraded() {
        return sinkDegraded() != null;
    }

    private String sinkFailing() {
        String f = chain.failing();
        return f != null || stage == null ? f : stage.chain().failing();
    }

    private String sinkDegraded() {
        String d = chain.degraded();
        String s = stage == null ? null : stage.chain().degraded();
        return d == null ? s : s == null ? d : d + "; " + s;
    }

    /** Returns {@code streaming}, {@code standby: …} or {@code down: …} with the reason. */
    public String state() {
        if (healthy()) return sinkDegraded() == null ? "streaming" : "streaming (degraded: " + sinkDegraded() + ")";
        if (standby && sinkFailing() == null) return "standby: " + lastError;
        return "down: " + (lastError() == null ? "starting" : lastError());
    }

    /**
     * Starts the periodic slot check and the lease check (every second); the engine starts once this
     * sidecar holds the shard's lease, at once unless another sidecar streams the shard. Returns at once.
     */
    public synchronized void start() {
        if (closed || slotChecks) return;
        slotChecks = true;
        retries.scheduleWithFixedDelay(slot::refresh, 0, SLOT_CHECK_SECONDS, TimeUnit.SECONDS);
        retries.scheduleWithFixedDelay(this::leaseTick, 0, 1, TimeUnit.SECONDS);
    }

    private void leaseTick() {
        try {
            checkLease();
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again: the shard would stay down for good.
            LOG.warn("cdc {} - lease check failed: {}", shard.name(), e.toString());
        }
    }

    private void checkLease() {
        if (closed) return;
        boolean had = lease.held();
        boolean has = lease.refresh();
        if (has && !had) {
            takeOver();
        } else if (!has) {
            if (had) {
                LOG.warn(
                        "cdc {} - lost the shard's lease (its connection to the primary broke); engine stops until the lease is back",
                        shard.name());
                stopEngine();
            }
            if (lease.unreachable() != null) {
                lastError = "cannot reach the primary for the shard's lease: " + lease.unreachable();
                return;
            }
            if (!standby)
                LOG.info(
                        "cdc {} - standby: another sidecar streams this shard; taking over when its lease ends",
                        shard.name());
            standby = true;
            lastError =
                    "another sidecar streams this shard (it holds the shard's advisory lock); taking over when it stops";
        }
    }

    /** Becomes the shard's streamer: ends a dead sidecar's slot holder, rereads the sinks' offsets, starts the engine. */
    private void takeOver() {
        if (standby) LOG.info("cdc {} - took over the shard's lease; starting the engine", shard.name());
        standby = false;
        lastError = null;
        try {
            admin.releaseSlot(shard);
            for (ChangeSink s : sinks) if (s instanceof AnalyticsSink a) a.reloadOffsets();
        } catch (RuntimeException e) {
            LOG.warn("cdc {} - preparing the takeover: {}", shard.name(), e.getMessage());
        }
        startEngine();
    }

    private void stopEngine() {
        if (stage != null) stage.discardQueued();
        DebeziumEngine<?> e = engine;
        if (e == null) return;
        try {
            e.close();
        } catch (IOException | RuntimeException ex) {
            // IllegalStateException when the engine already stopped on its own error (the primary went away).
            LOG.debug("cdc {} - engine close: {}", shard.name(), ex.toString());
        }
    }

    private synchronized void startEngine() {
        if (closed || engineRunning || !lease.held()) return;
        engineRunning = true;
        if (stage != null) stage.reset();
        engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(EngineProperties.of(shard, cdc, engineName, offsetsFile))
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        streaming = true;
                        LOG.info("cdc {} - engine started (slot {})", shard.name(), cdc.slotName(shard.name()));
                    }
                })
                .using(this::completed)
                .notifying(this::handleBatch)
                .build();
        runner.execute(engine);
    }

    private void completed(boolean success, String message, Throwable error) {
        streaming = false;
        engineRunning = false;
        if (closed) return;
        lastError = message + (error != null ? ": " + error.getMessage() : "");
        metrics.restarts.increment();
        if (!lease.held()) return; // the lease check restarts the engine once the lease is back
        long delay;
        synchronized (this) {
            delay = backoffMs;
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        }
        slot.refresh();
        if (slot.lost()) {
            // Restarting cannot help: the WAL the slot needed is gone. Say so and wait for a resnapshot.
            lastError = slot.lostMessage();
            LOG.error(lastError);
            return;
        }
        LOG.warn("cdc {} - engine stopped ({}); restarting in {} ms", shard.name(), lastError, delay);
        retries.schedule(this::startEngine, delay, TimeUnit.MILLISECONDS);
    }

    private void handleBatch(
            List<RecordChangeEvent<SourceRecord>> records,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        if (records.isEmpty()) return;
        List<ChangeEvent> events = new ArrayList<>(records.size());
        List<Map<String, ?>> eventOffsets = new ArrayList<>(records.size());
        long now = System.currentTimeMillis();
        for (RecordChangeEvent<SourceRecord> r : records) {
            ChangeEvent e = converter.convert(r.record());
            if (e != null) {
                events.add(e);
                eventOffsets.add(r.record().sourceOffset());
            }
        }
        received(events, now);
        SourceRecord last = records.get(records.size() - 1).record();
        if (LOG.isDebugEnabled()) {
            LOG.debug(
                    "cdc {} - batch of {} records, {} changes, offset {}",
                    shard.name(),
                    records.size(),
                    events.size(),
                    last.sourceOffset());
        }
        Map<String, ?> offset = last.sourceOffset();
        ChangeBatch batch = new ChangeBatch(
                shard.name(),
                events,
                toJson(offset),
                RecordConverter.position(offset),
                RecordConverter.isSnapshotOffset(offset));
        java.util.function.IntFunction<ChangeBatch> single = i -> new ChangeBatch(
                shard.name(),
                List.of(events.get(i)),
                toJson(eventOffsets.get(i)),
                RecordConverter.position(eventOffsets.get(i)),
                RecordConverter.isSnapshotOffset(eventOffsets.get(i)));
        chain.deliver(batch, single);
        Runnable applied = () -> {
            synchronized (this) {
                backoffMs = MIN_BACKOFF_MS;
            }
            progress(events, offset, now);
        };
        if (stage == null) {
            applied.run();
        } else {
            stage.submit(batch, single, applied);
        }
        // Marking records processed lets the engine commit, but the slot is confirmed from the offsets
        // the sinks stored (SinkOffsetStore), so a batch still in the stage is not confirmed.
        for (RecordChangeEvent<SourceRecord> r : records) committer.markProcessed(r);
        committer.markBatchFinished();
    }

    private void progress(List<ChangeEvent> events, Map<String, ?> offset, long now) {
        long snap = events.stream().filter(ChangeEvent::snapshot).count();
        metrics.events.increment(events.size() - snap);
        if (snap > 0) {
            metrics.snapshotRows.increment(snap);
            long before = snapshotRows;
            snapshotRows += snap;
            if (before / 10_000 != snapshotRows / 10_000)
                LOG.info("cdc {} - snapshot: {} rows copied", shard.name(), snapshotRows);
        }
        if ("true".equals(String.valueOf(offset.get("last_snapshot_record")))) {
            LOG.info("cdc {} - snapshot done: {} rows copied; streaming", shard.name(), snapshotRows);
        }
        for (ChangeEvent e : events) {
            if (!e.snapshot() && e.sourceMillis() > 0) metrics.lagMs.set(Math.max(0, now - e.sourceMillis()));
        }
    }

    private void received(List<ChangeEvent> events, long now) {
        for (ChangeEvent e : events) {
            if (!e.snapshot() && e.sourceMillis() > 0)
                metrics.receive.record(Math.max(0, now - e.sourceMillis()), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Returns the oldest offset the offset-storing sinks hold for this shard (none when one of them
     * has none): resuming there replays, never skips. Sinks that store no offset run before them,
     * so those offsets never pass a batch such a sink has not applied.
     */
    private Optional<String> resumeOffset() {
        Optional<ChangeSink.StoredOffset> oldest = Optional.empty();
        for (ChangeSink s : sinks) {
            if (!s.storesOffsets()) continue;
            Optional<ChangeSink.StoredOffset> o = s.storedOffset(shard.name());
            if (o.isEmpty()) return Optional.empty();
            if (oldest.isEmpty() || oldest.get().position().isAfter(o.get().position())) oldest = o;
        }
        return oldest.map(ChangeSink.StoredOffset::offsetJson);
    }

    /** Returns the bytes of WAL this shard's slot retains as of the last slot check (every few seconds), NaN when unknown. */
    double lagBytes() {
        return slot.lagBytes();
    }

    SlotHealth slot() {
        return slot;
    }

    private static String toJson(Map<String, ?> offset) {
        try {
            return JSON.writeValueAsString(offset);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise offset " + offset, e);
        }
    }

    @Override
    public void close() {
        closed = true;
        retries.shutdownNow();
        DebeziumEngine<?> e = engine;
        if (e != null) {
            try {
                e.close();
            } catch (IOException | RuntimeException ex) {
                LOG.debug("cdc {} - engine close: {}", shard.name(), ex.toString());
            }
        }
        runner.shutdown();
        try {
            if (!runner.awaitTermination(30, TimeUnit.SECONDS)) runner.shutdownNow();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (stage != null) stage.close();
        streaming = false;
        lease.close();
        SinkOffsetStore.unregister(engineName);
    }
}
