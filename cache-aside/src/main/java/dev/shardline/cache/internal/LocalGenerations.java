package dev.shardline.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Invalidation generations of this JVM: every invalidation seen here (local or from another
 * instance's message) takes the next number. A load or a near-cache entry remembers the number
 * current when its read began; it is usable only if its key was not invalidated after that. When
 * the per-key record is dropped (size bound) or everything is flushed, a horizon rises and every
 * older number is refused: forgetting can only make the cache refuse, never accept.
 */
public final class LocalGenerations {
    private final AtomicLong clock = new AtomicLong();
    private final AtomicLong horizon = new AtomicLong();
    private final Cache<String, Long> lastInvalidation;

    public LocalGenerations(int maxKeys) {
        this.lastInvalidation = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                // Synchronous with the removal, so no reader can see the key gone before the horizon covers it.
                .evictionListener((String k, Long g, com.github.benmanes.caffeine.cache.RemovalCause c) -> raise(g))
                .build();
    }

    /** Returns the generation to remember before reading. */
    public long current() {
        return clock.get();
    }

    /** Records an invalidation of {@code key}. */
    public void invalidated(String key) {
        lastInvalidation.put(key, clock.incrementAndGet());
    }

    /** Records that anything may have changed (a lost message, a re-subscription). */
    public void invalidatedAll() {
        raise(clock.incrementAndGet());
    }

    /** Returns true if {@code key} was not invalidated after {@code generation} was taken. */
    public boolean unchangedSince(String key, long generation) {
        if (generation < horizon.get()) return false;
        Long g = lastInvalidation.getIfPresent(key);
        return g == null || g <= generation;
    }

    /** Returns a name for the single-flight of {@code key} that changes with every invalidation of it. */
    public String flightKey(String key) {
        Long g = lastInvalidation.getIfPresent(key);
        return key + '#' + Math.max(g == null ? 0 : g, horizon.get());
    }

    private void raise(long g) {
        horizon.accumulateAndGet(g, Math::max);
    }
}
