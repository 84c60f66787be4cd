package dev.shardline.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The positions of this JVM's own committed writes, per key (read-your-writes across instances).
 * A value cached in Redis carries the position it was read at; this JVM serves it only if that is
 * at or past its own last write of the key. Redis alone cannot promise that: an invalidation that
 * did not reach Redis (Redis down, breaker open: the caller is told, but the write is committed),
 * or version state lost after it (FLUSHALL, eviction: the floor that stands in may be older than
 * the write), lets another instance's fill from a read before the write be stored, and it stays
 * until the CDC sidecar's invalidation of the same commit arrives. The map is bounded: when a key
 * is dropped, its shard's horizon rises to the key's position and every value of that shard read
 * below it is refused here (forgetting refuses, never accepts).
 */
final class OwnWrites {
    private record Write(String shard, long lsn) {}

    private final Cache<String, Write> byKey;
    private final Map<String, Long> horizon = new ConcurrentHashMap<>();

    OwnWrites(int maxKeys) {
        this.byKey = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                // Synchronous with the removal, so no reader can see the key gone before the horizon covers it.
                .evictionListener((String k, Write w, com.github.benmanes.caffeine.cache.RemovalCause c) -> {
                    if (w != null) horizon.merge(w.shard(), w.lsn(), Math::max);
                })
                .build();
    }

    /** Records that this JVM committed a change of value key {@code k} on {@code shard}, visible from {@code lsn}. */
    void wrote(String k, String shard, long lsn) {
        if (lsn < 0 || shard == null) return;
        byKey.asMap()
                .merge(k, new Write(shard, lsn), (a, b) -> a.shard().equals(b.shard()) && a.lsn() >= b.lsn() ? a : b);
    }

    /**
     * Returns true if a value of {@code k} read at {@code position} may be served here: it is at or
     * past this JVM's last write of the key. {@code shard} is asked only once a horizon exists.
     */
    boolean covers(String k, long position, Supplier<String> shard) {
        Write w = byKey.getIfPresent(k);
        if (w != null && position < w.lsn()) return false;
        if (horizon.isEmpty()) return true;
        String s = w != null ? w.shard() : shard.get();
        if (s == null) return false; // the shard is unknown now: cannot prove it, so refuse
        Long h = horizon.get(s);
        return h == null || position >= h;
    }
}
