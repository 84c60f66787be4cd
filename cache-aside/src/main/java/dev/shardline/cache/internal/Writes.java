package dev.shardline.cache.internal;

import dev.shardline.cache.CacheKey;
import dev.shardline.cache.CacheUnavailableException;
import dev.shardline.cache.ShardlineCacheException;
import dev.shardline.cache.SourcePosition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Invalidations and write-throughs. An invalidation either is applied in Redis when the call
 * returns or throws {@link CacheUnavailableException}; nothing is parked in memory to retry, so
 * nothing is lost with the process either: the caller keeps the duty to retry.
 */
public final class Writes {
    private final CacheCore core;

    public Writes(CacheCore core) {
        this.core = core;
    }

    /**
     * The refusal of positions on Redis Cluster: every script that checks a key reads its shard's floor
     * key, which Cluster keeps in another hash slot, so each call would fail with CROSSSLOT (a cache
     * that never caches, a CDC sidecar that never gets past its first batch).
     */
    public static ShardlineCacheException clusterWithPositions(String cache) {
        return new ShardlineCacheException(
                "cache '" + cache + "' - commit positions (readPositions, or invalidation by "
                        + "the CDC sidecar) need a single Redis server or Sentinel, not Redis Cluster: each key's check reads "
                        + "its shard's floor key, which Cluster keeps in another hash slot (every call would fail with "
                        + "CROSSSLOT). Point cache.redis at a single server or a Sentinel group, or use the cache without "
                        + "positions and without cdc.invalidate");
    }

    /** Invalidates without a source position (the key keeps the position it had, with a new token). */
    public void invalidateAll(Collection<CacheKey> all) {
        if (all.isEmpty()) return;
        List<RedisOps.Invalidation> list = new ArrayList<>(all.size());
        List<String> ks = new ArrayList<>(all.size());
        for (CacheKey key : all) {
            String k = core.keys.value(key);
            SourcePosition at = core.readPosition(key);
            list.add(new RedisOps.Invalidation(core.slot(k, at == null ? null : at.shard()), -1, core.tokens.next()));
            ks.add(k);
        }
        apply(list, ks, null, 0);
    }

    /** Invalidates keys of {@code shard}, each visible from its position, and raises the shard's floor to {@code streamLsn}. */
    public void invalidateCommitted(String shard, Map<CacheKey, Long> visibleFrom, long streamLsn) {
        if (core.ops.cluster()) throw clusterWithPositions(core.name);
        List<RedisOps.Invalidation> list = new ArrayList<>(visibleFrom.size());
        List<String> ks = new ArrayList<>(visibleFrom.size());
        visibleFrom.forEach((key, lsn) -> {
            String k = core.keys.value(key);
            // Before Redis is asked, and kept whatever Redis answers: this JVM must read this write or newer.
            if (core.positional()) core.ownWrites.wrote(k, shard, lsn);
            list.add(new RedisOps.Invalidation(core.slot(k, shard), lsn, core.tokens.next()));
            ks.add(k);
        });
        apply(list, ks, core.keys.floor(shard), streamLsn);
    }

    /**
     * Invalidates every key of {@code namespace} found in Redis (by value or version key) at
     * {@code lsn}, and raises {@code shard}'s floor to {@code streamLsn} for the keys not found: a
     * TRUNCATE names no keys. A load that read before it and fills after is refused either way.
     */
    public void invalidateNamespaceCommitted(String shard, String namespace, long lsn, long streamLsn) {
        if (core.ops.cluster()) throw clusterWithPositions(core.name);
        // The floor rises before the scan: a fill of a key without state that lands after the scan has passed it must
        // already meet the new floor (raised only at the end, it was taken and survived the TRUNCATE).
        apply(List.of(), List.of(), core.keys.floor(shard), streamLsn);
        java.util.Set<String> found = new java.util.LinkedHashSet<>();
        try {
            for (String scanned : core.ops.scan(core.keys.namespacePattern(namespace))) {
                String k = KeyFormat.valueKeyOf(scanned);
                if (k != null) found.add(k);
            }
        } catch (RedisOps.Unavailable u) {
            core.metrics.redisErrors.increment();
            throw new CacheUnavailableException(
                    "cache '" + core.name + "' - keys of namespace '" + namespace + "' not invalidated, Redis is "
                            + "unavailable (" + u.getMessage() + "); nothing was kept: retry (the CDC sink leaves its "
                            + "batch unacknowledged)",
                    u);
        }
        List<RedisOps.Invalidation> list = new ArrayList<>(found.size());
        List<String> ks = new ArrayList<>(found);
        for (String k : ks) list.add(new RedisOps.Invalidation(core.slot(k, shard), lsn, core.tokens.next()));
        apply(list, ks, core.keys.floor(shard), streamLsn);
    }

    private void apply(List<RedisOps.Invalidation> list, List<String> ks, String floorKey, long floorLsn) {
        // Evicted here before Redis and again after (by the publish): a read in between could put back the older value.
        ks.forEach(this::invalidatedHere);
        try {
            core.ops.invalidate(list, floorKey, floorLsn, core.versionPx());
        } catch (RedisOps.Unavailable u) {
            core.metrics.redisErrors.increment();
            throw new CacheUnavailableException(
                    "cache '" + core.name + "' - " + list.size()
                            + " invalidation(s) not applied, Redis is unavailable (" + u.getMessage()
                            + "); nothing was kept: retry them (the CDC sink leaves its batch unacknowledged)",
                    u);
        }
        if (core.near != null && !ks.isEmpty()) core.near.invalidatedAll(ks);
    }

    /**
     * Takes {@code k}'s next local generation (and evicts it from the near cache): a get that starts
     * now must not join a load in this JVM that began before the change, with or without a near cache.
     */
    private void invalidatedHere(String k) {
        if (core.near != null) core.near.evictLocal(k);
        else core.generations.invalidated(k);
    }

    /** Stores a write-through value; {@code committedAt} null means "no position" (stored only into an empty slot). */
    public <T> boolean put(CacheKey key, T value, SourcePosition committedAt) {
        if (committedAt != null && core.ops.cluster()) throw clusterWithPositions(core.name);
        byte[] payload;
        try {
            payload = value == null ? null : core.codec.encodeBytes(value);
        } catch (Exception e) {
            throw new ShardlineCacheException(
                    "cache '" + core.name + "' - cannot encode the value for " + key + ": " + e.getMessage()
                            + "; make the type serializable by Jackson",
                    e);
        }
        int size = payload == null ? 0 : payload.length;
        if (size > core.config.maxValueBytes()) {
            throw new ShardlineCacheException("cache '" + core.name + "' - value for " + key + " is " + size
                    + " bytes, over maxValueBytes " + core.config.maxValueBytes()
                    + "; nothing cached. Cache a smaller projection or raise cache.maxValueBytes");
        }
        String k = core.keys.value(key);
        String shard = committedAt != null ? committedAt.shard() : null;
        if (shard == null) {
            SourcePosition at = core.readPosition(key);
            shard = at == null ? null : at.shard();
        }
        invalidatedHere(k);
        long lsn = committedAt == null ? -1 : committedAt.lsn();
        if (core.positional() && committedAt != null) core.ownWrites.wrote(k, committedAt.shard(), lsn);
        long ttl = core.jitteredTtl();
        try {
            boolean stored = core.ops.put(
                    core.slot(k, shard),
                    lsn,
                    Envelope.encode(System.currentTimeMillis() + ttl, 0, lsn, payload),
                    ttl + core.config.staleFor().toMillis(),
                    core.tokens.next(),
                    core.versionPx());
            if (!stored) core.metrics.fillsRejected.increment();
            return stored;
        } catch (RedisOps.Unavailable u) {
            core.metrics.redisErrors.increment();
            return false;
        }
    }
}
