package dev.shardline.cdc.internal;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import dev.shardline.cdc.InvalidationRule;
import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Invalidates the cache key of every changed row through the cache-aside invalidation API, so its
 * version and tombstone rules apply. Replays after a crash invalidate again, which is harmless;
 * snapshot rows invalidate nothing (they are not changes).
 */
public final class CacheInvalidationSink implements ChangeSink {
  private final CacheInvalidator invalidator;
  private static final int PARALLEL_ABOVE = 32;
  private static final int THREADS = 4;

  private final Map<String, InvalidationRule> rules;
  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> {
    Thread t = new Thread(r, "cdc-invalidate");
    t.setDaemon(true);
    return t;
  });

  public CacheInvalidationSink(CacheInvalidator invalidator, List<InvalidationRule> rules) {
    this.invalidator = invalidator;
    this.rules = rules.stream().collect(Collectors.toMap(InvalidationRule::table, Function.identity()));
  }

  @Override
  public String name() {
    return "cache";
  }

  @Override
  public void open() {
    // the invalidator is owned by the caller
  }

  @Override
  public void apply(ChangeBatch batch) {
    Set<CacheKey> keys = new LinkedHashSet<>();
    for (ChangeEvent e : batch.events()) {
      InvalidationRule rule = rules.get(e.table());
      if (rule == null || e.snapshot()) continue;
      String tenant = e.row().get(rule.tenantColumn());
      String id = e.row().get(rule.idColumn());
      if (tenant == null || id == null) {
        throw new ShardlineCdcException("cdc cache - a change of table '" + e.table() + "' on " + e.shard()
            + " has no value for " + (tenant == null ? rule.tenantColumn() : rule.idColumn())
            + "; fix cdc.invalidate." + e.table() + " or set REPLICA IDENTITY FULL so deletes carry every column");
      }
      keys.add(CacheKey.of(rule.namespace(), tenant, id));
    }
    if (keys.size() <= PARALLEL_ABOVE) {
      if (!keys.isEmpty()) invalidator.invalidateAll(keys);
      return;
    }
    // An invalidator may spend a round trip per key; a large batch (a backlog after a restart)
    // is split over a few connections and awaited before the batch's offset may be committed.
    List<CacheKey> all = new ArrayList<>(keys);
    int chunk = (all.size() + THREADS - 1) / THREADS;
    List<Future<?>> parts = new ArrayList<>();
    for (int i = 0; i < all.size(); i += chunk) {
      List<CacheKey> part = all.subList(i, Math.min(all.size(), i + chunk));
      parts.add(pool.submit(() -> invalidator.invalidateAll(part)));
    }
    try {
      for (Future<?> f : parts) f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ShardlineCdcException("cdc cache - interrupted while invalidating; the batch is retried", e);
    } catch (ExecutionException e) {
      throw new ShardlineCdcException("cdc cache - invalidation failed: " + e.getCause().getMessage() + "; the batch is retried", e.getCause());
    }
  }

  @Override
  public void close() {
    pool.shutdownNow(); // the invalidator itself is owned by the caller
  }
}
