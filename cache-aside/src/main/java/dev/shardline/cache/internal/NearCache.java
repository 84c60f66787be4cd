package dev.shardline.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.redisson.api.RTopic;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.StringCodec;

/**
 * Hot values kept in this JVM (bounded in entries and age), evicted by invalidation messages every
 * instance publishes on a Redis topic. Each entry carries the {@link LocalGenerations} number taken
 * before its value was read and is checked on every hit, so a value read before an invalidation
 * seen here is never served after it, whatever the interleaving of put and evict. A message can
 * be lost (Redisson #4686, #4034): each publisher numbers its messages in publish order, and a gap
 * or a re-subscription invalidates everything; the local TTL bounds staleness even then.
 */
public final class NearCache {
    private static final Object NULL = new Object();

    private record Entry(Object value, long generation) {}

    private final Cache<String, Entry> values;
    private final LocalGenerations generations;
    private final Object publishOrder = new Object();
    private long published;
    private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
    private final String instance = UUID.randomUUID().toString();
    private final RTopic topic;
    private final LongAdder hits = new LongAdder();
    private final LongAdder flushes = new LongAdder();

    public NearCache(RedisOps ops, String topicName, int maxEntries, Duration ttl, LocalGenerations generations) {
        this.values = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfterWrite(ttl)
                .build();
        this.generations = generations;
        this.topic = ops.client().getTopic(topicName, StringCodec.INSTANCE);
        topic.addListener(String.class, (channel, msg) -> onMessage(msg));
        topic.addListener(new StatusListener() {
            @Override
            public void onSubscribe(String channel) {
                // Messages published while we were not subscribed are lost: start over.
                flush();
            }

            @Override
            public void onUnsubscribe(String channel) {
                flush();
            }
        });
    }

    /** Returns the held value (null for a cached "not found") or {@code absent} when not held or no longer valid. */
    public Object get(String key, Object absent) {
        Entry e = values.getIfPresent(key);
        if (e == null) return absent;
        if (!generations.unchangedSince(key, e.generation())) {
            values.asMap().remove(key, e);
            return absent;
        }
        hits.increment();
        return e.value() == NULL ? null : e.value();
    }

    /** Keeps {@code value}, read after {@code generation} was taken, unless {@code key} was invalidated since. */
    public void put(String key, Object value, long generation) {
        if (generations.unchangedSince(key, generation))
            values.put(key, new Entry(value == null ? NULL : value, generation));
    }

    /** Evicts locally only (before the Redis invalidation, so this JVM stops serving the value at once). */
    public void evictLocal(String key) {
        evict(key);
    }

    /** Evicts locally and tells the other instances (after the Redis invalidation), in one message. */
    public void invalidatedAll(Collection<String> keys) {
        keys.forEach(this::evict);
        try {
            // Numbered and sent under one lock: concurrent publishers would otherwise send 5 before 4,
            // and every other instance would take the gap for a lost message and flush.
            synchronized (publishOrder) {
                topic.publish(instance + "|" + (++published) + "|" + String.join("\n", keys));
            }
        } catch (RuntimeException e) {
            // The next message from this instance will show a gap, and the others flush.
        }
    }

    /** As {@link #invalidatedAll(Collection)} for one key. */
    public void invalidated(String key) {
        invalidatedAll(List.of(key));
    }

    private void onMessage(String msg) {
        int a = msg.indexOf('|');
        int b = a < 0 ? -1 : msg.indexOf('|', a + 1);
        if (b < 0) return;
        String from = msg.substring(0, a);
        if (from.equals(instance)) return;
        long seq;
        try {
            seq = Long.parseLong(msg.substring(a + 1, b));
        } catch (NumberFormatException e) {
            flush();
            return;
        }
        Long prev = lastSeen.put(from, seq);
        if (prev != null && seq != prev + 1) flush();
        for (String key : msg.substring(b + 1).split("\n")) evict(key);
    }

    private void evict(String key) {
        generations.invalidated(key);
        values.invalidate(key);
    }

    void flush() {
        generations.invalidatedAll();
        values.invalidateAll();
        flushes.increment();
    }

    public long hits() {
        return hits.sum();
    }

    public long flushes() {
        return flushes.sum();
    }
}
