package dev.shardline.routing.internal;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers when each tenant (or, for writes without a tenant, each shard) last committed a write,
 * so its next reads go only to replicas that have replayed past that moment: read-your-writes by
 * replay position, not by a lag guess.
 */
final class WriteTracker {
    /** Sentinel: no write is known, any healthy replica qualifies. */
    static final long NEVER = Long.MIN_VALUE / 2;

    private final ConcurrentHashMap<Object, Long> lastWrite = new ConcurrentHashMap<>();

    void record(Object key) {
        lastWrite.put(key, System.nanoTime());
    }

    long lastWriteNanos(Object key) {
        Long t = lastWrite.get(key);
        return t == null ? NEVER : t;
    }

    /** Drops entries older than {@code horizonNanos}: by then every replica that is still healthy has caught up. */
    void expireOlderThan(long horizonNanos) {
        long cutoff = System.nanoTime() - horizonNanos;
        lastWrite.values().removeIf(t -> t - cutoff < 0);
    }

    int size() {
        return lastWrite.size();
    }

    static Object shardKey(int shard) {
        return Integer.valueOf(-1 - shard);
    }
}
