package dev.shardline.cache.internal;

/**
 * A cached value as stored in Redis: {@code <logicalExpiryMillis>|<loadMillis>|<version>|<payload>}.
 * The logical expiry comes before Redis's own (which is later by the serve-stale window); the load
 * time drives XFetch early refresh; the version is the key's invalidation counter the fill was
 * checked against, which a near cache keeps to tell an older copy from a newer one. A payload of
 * {@link #NULL} records "not found".
 */
public record Envelope(long expiresAtMillis, long loadMillis, long version, String payload) {
  public static final String NULL = "\u0000";

  public String encode() {
    return expiresAtMillis + "|" + loadMillis + "|" + version + "|" + payload;
  }

  /** Returns the envelope in {@code raw}, or null if it is not one (treated as a miss). */
  public static Envelope decode(String raw) {
    if (raw == null) return null;
    int a = raw.indexOf('|');
    int b = a < 0 ? -1 : raw.indexOf('|', a + 1);
    int c = b < 0 ? -1 : raw.indexOf('|', b + 1);
    if (c < 0) return null;
    try {
      return new Envelope(Long.parseLong(raw, 0, a, 10), Long.parseLong(raw, a + 1, b, 10), Long.parseLong(raw, b + 1, c, 10),
          raw.substring(c + 1));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Parses a version key's value; an absent key is version 0. */
  public static long version(String raw) {
    if (raw == null || raw.isEmpty()) return 0;
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  public boolean isNull() {
    return NULL.equals(payload);
  }

  public boolean fresh(long now) {
    return now < expiresAtMillis;
  }

  /**
   * XFetch (Vattani et al., VLDB 2015): refresh early with a probability that grows as expiry nears
   * and with how long a load takes, so one caller refreshes a hot key before it expires for everyone.
   */
  public boolean refreshEarly(long now, double beta, double random) {
    if (beta <= 0 || loadMillis <= 0) return false;
    return now - loadMillis * beta * Math.log(random) >= expiresAtMillis;
  }
}
