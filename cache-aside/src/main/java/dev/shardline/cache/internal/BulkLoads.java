package dev.shardline.cache.internal;

import dev.shardline.cache.BulkLoader;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.ShardlineCacheException;
import dev.shardline.cache.SourcePosition;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** {@code getAll}: cached keys in one round trip, the rest in one loader call, each filled under the same version rules as a single get. */
public final class BulkLoads {
    private final CacheCore core;
    private final Loads loads;

    public BulkLoads(CacheCore core, Loads loads) {
        this.core = core;
        this.loads = loads;
    }

    private record Pending(String key, RedisOps.Slot slot, String held, SourcePosition at) {}

    public <T> Map<CacheKey, T> getAll(Collection<CacheKey> all, Class<T> type, BulkLoader<T> loader) {
        List<CacheKey> list = List.copyOf(new LinkedHashSet<>(all));
        List<String> ks = list.stream().map(core.keys::value).toList();
        Map<CacheKey, T> out = new LinkedHashMap<>();
        List<byte[]> raw;
        try {
            raw = core.ops.getAll(ks);
        } catch (RedisOps.Unavailable u) {
            core.metrics.redisErrors.increment();
            raw = null;
        }
        long now = System.currentTimeMillis();
        Map<CacheKey, Pending> missing = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            Envelope e = raw == null ? null : Envelope.decode(raw.get(i));
            if (e != null && e.fresh(now) && core.servable(ks.get(i), list.get(i), e)) {
                T v = core.decodeOrNull(e, type, ks.get(i));
                if (v != null || e.isNull()) {
                    core.metrics.hits.increment();
                    out.put(list.get(i), v);
                    continue;
                }
            }
            core.metrics.misses.increment();
            missing.put(list.get(i), raw == null ? null : begin(list.get(i), ks.get(i)));
        }
        if (missing.isEmpty()) return out;
        Map<CacheKey, T> loaded;
        long t0 = System.nanoTime();
        try {
            core.metrics.loads.increment();
            loaded = loader.load(Collections.unmodifiableSet(missing.keySet()));
        } catch (Exception e) {
            throw new ShardlineCacheException(
                    "cache '" + core.name + "' - loading " + missing.size() + " keys failed: " + e.getMessage(), e);
        }
        long tookMs = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
        missing.forEach((key, p) -> {
            T v = loaded == null ? null : loaded.get(key);
            out.put(key, v);
            if (p == null || p.held() == null) {
                core.metrics.fillsRejected.increment();
            } else {
                loads.fill(p.slot(), key, p.held(), loads.readLsn(key, p.at()), v, tookMs);
            }
        });
        return out;
    }

    /** Takes the version of one missing key before the bulk load (null held: it will not be filled). */
    private Pending begin(CacheKey key, String k) {
        SourcePosition at = core.readPosition(key);
        RedisOps.Slot slot = core.slot(k, at == null ? null : at.shard());
        if (core.positional() && at == null) return new Pending(k, slot, null, null);
        try {
            String held = core.ops.begin(slot, core.tokens.next(), core.versionPx());
            return new Pending(k, slot, held == null || held.isEmpty() ? null : held, at);
        } catch (RedisOps.Unavailable u) {
            core.metrics.redisErrors.increment();
            return new Pending(k, slot, null, null);
        }
    }
}
