package dev.shardline.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * A bounded in-process copy of the hottest entries. Every entry carries the version it was read
 * at; an invalidation message for version {@code v} replaces any older entry by a tombstone of
 * {@code v}, and a copy older than the tombstone is refused, so a message that overtakes a slow
 * read cannot be undone by it. A lost message is bounded by the local TTL, and the owner clears
 * everything when its subscription is re-established (messages may have been missed meanwhile).
 */
public final class NearCache {
  private record Slot(long version, long expiresAtMillis, Object value, boolean tombstone) {}

  private final Cache<String, Slot> slots;

  public NearCache(int maxEntries, Duration ttl) {
    this.slots = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).build();
  }

  /** Marker for "this key is not held here" (null values are legitimate cached results). */
  public static final Object ABSENT = new Object();

  /** Returns the value held for {@code key} if it is still fresh, else {@link #ABSENT}. */
  public Object get(String key, long now) {
    Slot s = slots.getIfPresent(key);
    if (s == null || s.tombstone || now >= s.expiresAtMillis) return ABSENT;
    return s.value;
  }

  /** Keeps {@code value} read at {@code version} unless a newer version is already known. */
  public void put(String key, long version, long expiresAtMillis, Object value) {
    slots.asMap().compute(key, (k, old) -> old != null && old.version > version ? old : new Slot(version, expiresAtMillis, value, false));
  }

  /** Applies an invalidation that moved {@code key} to {@code version}. */
  public void invalidated(String key, long version) {
    slots.asMap().compute(key, (k, old) -> old != null && old.version > version ? old : new Slot(version, Long.MAX_VALUE, null, true));
  }

  /** Applies a message {@code <redisKey>|<version>}; malformed messages clear the key outright. */
  public void onMessage(String message) {
    int bar = message.lastIndexOf('|');
    if (bar < 0) return;
    String key = message.substring(0, bar);
    try {
      invalidated(key, Long.parseLong(message.substring(bar + 1)));
    } catch (NumberFormatException e) {
      slots.invalidate(key);
    }
  }

  public void clear() {
    slots.invalidateAll();
  }

  public long size() {
    return slots.estimatedSize();
  }
}
