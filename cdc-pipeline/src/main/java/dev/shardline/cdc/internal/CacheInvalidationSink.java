package dev.shardline.cdc.internal;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import dev.shardline.cdc.InvalidationRule;
import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Invalidates the cache key of every changed row through the cache-aside invalidation API, so its
 * version and tombstone rules apply. Replays after a crash invalidate again, which is harmless;
 * snapshot rows invalidate nothing (they are not changes).
 */
public final class CacheInvalidationSink implements ChangeSink {
  private final CacheInvalidator invalidator;
  private final Map<String, InvalidationRule> rules;

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
    if (!keys.isEmpty()) invalidator.invalidateAll(keys);
  }

  @Override
  public void close() {
    // the invalidator is owned by the caller
  }
}
