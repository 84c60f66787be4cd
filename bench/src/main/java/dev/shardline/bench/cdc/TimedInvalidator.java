package dev.shardline.bench.cdc;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Wraps a real invalidator and notes when each key's invalidation returned. */
public final class TimedInvalidator implements CacheInvalidator {
    private final CacheInvalidator delegate;
    private final Map<String, Long> doneAt = new ConcurrentHashMap<>();
    private volatile boolean stamping;

    public TimedInvalidator(CacheInvalidator delegate) {
        this.delegate = delegate;
    }

    @Override
    public void invalidate(CacheKey key) {
        invalidateAll(List.of(key));
    }

    @Override
    public void invalidateAll(Collection<CacheKey> keys) {
        delegate.invalidateAll(keys);
        if (!stamping) return;
        long now = System.nanoTime();
        for (CacheKey k : keys) doneAt.putIfAbsent(k.tenant() + ":" + k.id(), now);
    }

    /** The sidecar's path: each key visible from its commit position, and the shard's floor raised. */
    @Override
    public void invalidateCommitted(String shard, Map<CacheKey, Long> visibleFrom, long streamLsn) {
        delegate.invalidateCommitted(shard, visibleFrom, streamLsn);
        if (!stamping) return;
        long now = System.nanoTime();
        for (CacheKey k : visibleFrom.keySet()) doneAt.putIfAbsent(k.tenant() + ":" + k.id(), now);
    }

    public void stamping(boolean on) {
        stamping = on;
    }

    public Long doneAt(String key) {
        return doneAt.get(key);
    }
}
