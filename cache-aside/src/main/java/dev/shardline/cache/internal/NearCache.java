package dev.shardline.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.redisson.api.RTopic;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.StringCodec;

/**
 * Hot values kept in this JVM, evicted by invalidation messages every instance publishes on a Redis
 * topic. A message can be lost (Redisson #4686, #4034): each publisher numbers its messages, and a
 * gap, or a re-subscription after a disconnect, empties the whole near cache; the local TTL bounds
 * staleness even then. A value read before an invalidation is never put in after it.
 */
public final class NearCache {
  private static final Object NULL = new Object();

  private final Cache<String, Object> values;
  private final Cache<String, Long> recentlyInvalidated;
  private final AtomicLong generation = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();
  private final String instance = UUID.randomUUID().toString();
  private final RTopic topic;
  private final LongAdder hits = new LongAdder();
  private final LongAdder flushes = new LongAdder();

  public NearCache(RedisOps ops, String topicName, int maxEntries, Duration ttl) {
    this.values = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).build();
    this.recentlyInvalidated = Caffeine.newBuilder().expireAfterWrite(ttl.plusSeconds(1)).build();
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

  /** Returns the held value (null for a cached "not found") or {@code absent} when not held. */
  public Object get(String key, Object absent) {
    Object v = values.getIfPresent(key);
    if (v == null) return absent;
    hits.increment();
    return v == NULL ? null : v;
  }

  /** A token to pass to {@link #put}: the invalidation generation before the value was read from Redis. */
  public long beforeRead() {
    return generation.get();
  }

  /** Keeps {@code value} unless {@code key} was invalidated after {@code token} was taken. */
  public void put(String key, Object value, long token) {
    Long at = recentlyInvalidated.getIfPresent(key);
    if (at != null && at > token) return;
    values.put(key, value == null ? NULL : value);
  }

  /** Evicts locally only (before the Redis invalidation, so this JVM stops serving the value at once). */
  public void evictLocal(String key) {
    evict(key);
  }

  /** Evicts locally and tells the other instances (after the Redis invalidation). */
  public void invalidated(String key) {
    invalidatedAll(java.util.List.of(key));
  }

  /** As {@link #invalidated(String)} for many keys, in one message. */
  public void invalidatedAll(java.util.Collection<String> keys) {
    keys.forEach(this::evict);
    try {
      topic.publish(instance + "|" + published.incrementAndGet() + "|" + String.join("\n", keys));
    } catch (RuntimeException e) {
      // The next message from this instance will show a gap, and the others flush.
    }
  }

  private void onMessage(String msg) {
    int a = msg.indexOf('|');
    int b = msg.indexOf('|', a + 1);
    if (a < 0 || b < 0) return;
    String from = msg.substring(0, a);
    if (from.equals(instance)) return;
    long seq = Long.parseLong(msg.substring(a + 1, b));
    Long prev = lastSeen.put(from, seq);
    if (prev != null && seq != prev + 1) flush();
    for (String key : msg.substring(b + 1).split("\n")) evict(key);
  }

  private void evict(String key) {
    recentlyInvalidated.put(key, generation.incrementAndGet());
    values.invalidate(key);
  }

  void flush() {
    generation.incrementAndGet();
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
