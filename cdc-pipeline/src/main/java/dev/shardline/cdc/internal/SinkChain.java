package dev.shardline.cdc.internal;

import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one shard's batches to its sinks in order, each at least once: a sink that throws gets
 * the same batch again after a backoff (250 ms doubling to 10 s) until it applies it, and the sinks
 * after it, which store the resume offset, see the batch only then. The engine keeps its slot
 * meanwhile, so a store that restarts costs no engine restart.
 */
final class SinkChain {
  private static final Logger LOG = LoggerFactory.getLogger(SinkChain.class);
  static final long MIN_BACKOFF_MS = 250;
  static final long MAX_BACKOFF_MS = 10_000;

  private final String shard;
  private final List<ChangeSink> sinks;
  private final CdcMetrics.Shard metrics;
  private final BooleanSupplier closed;
  private volatile String failing;

  SinkChain(String shard, List<ChangeSink> sinks, CdcMetrics.Shard metrics, BooleanSupplier closed) {
    this.shard = shard;
    this.sinks = List.copyOf(sinks);
    this.metrics = metrics;
    this.closed = closed;
  }

  /** Returns the error of the sink the current batch is waiting for, or {@code null} when none fails. */
  String failing() {
    return failing;
  }

  /**
   * Returns once every sink applied {@code batch}.
   *
   * @throws ShardlineCdcException when the stream is closed while a sink still fails
   */
  void deliver(ChangeBatch batch) {
    ChangeBatch withoutTruncates = null;
    for (ChangeSink sink : sinks) {
      if (sink instanceof CacheInvalidationSink) {
        // A TRUNCATE names no keys to invalidate: cached rows of that table live until their TTL.
        if (withoutTruncates == null) withoutTruncates = withoutTruncates(batch);
        deliver(sink, withoutTruncates);
      } else {
        deliver(sink, batch);
      }
    }
    failing = null;
  }

  private ChangeBatch withoutTruncates(ChangeBatch batch) {
    if (batch.events().stream().noneMatch(e -> e.op() == ChangeEvent.Op.TRUNCATE)) return batch;
    LOG.warn("cdc {} - TRUNCATE of {}: cached keys of its rows are not invalidated and live until their TTL", shard,
        batch.events().stream().filter(e -> e.op() == ChangeEvent.Op.TRUNCATE).map(ChangeEvent::table).distinct().toList());
    return new ChangeBatch(batch.shard(), batch.events().stream().filter(e -> e.op() != ChangeEvent.Op.TRUNCATE).toList(),
        batch.offsetJson(), batch.offsetPosition(), batch.snapshotOffset());
  }

  private void deliver(ChangeSink sink, ChangeBatch batch) {
    long backoff = MIN_BACKOFF_MS;
    for (int attempt = 1; ; attempt++) {
      try {
        sink.apply(batch);
        if (attempt > 1) LOG.info("cdc {} - sink {} applied the batch after {} attempts", shard, sink.name(), attempt);
        return;
      } catch (RuntimeException ex) {
        metrics.sinkError(sink.name());
        failing = "sink " + sink.name() + " failed: " + ex.getMessage();
        if (attempt == 1) LOG.error("cdc {} - sink {} failed: {}; retrying the batch", shard, sink.name(), ex.getMessage(), ex);
        else LOG.warn("cdc {} - sink {} failed again (attempt {}): {}; retrying in {} ms", shard, sink.name(), attempt, ex.getMessage(), backoff);
      }
      sleep(backoff, sink);
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
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
        throw new ShardlineCdcException("cdc " + shard + " - interrupted while retrying sink " + sink.name()
            + "; the batch is delivered again at the next start", e);
      }
    }
  }
}
