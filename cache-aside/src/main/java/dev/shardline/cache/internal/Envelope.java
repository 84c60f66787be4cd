package dev.shardline.cache.internal;

/**
 * A cached value as stored in Redis: {@code <logicalExpiryMillis>|<loadMillis>|<payload>}. The
 * logical expiry comes before Redis's own (which is later by the serve-stale window); the load time
 * drives XFetch early refresh. A payload of {@link #NULL} records "not found".
 */
public record Envelope(long expiresAtMillis, long loadMillis, String payload) {
  public static final String NULL = "\u0000";

  public String encode() {
    return expiresAtMillis + "|" + loadMillis + "|" + payload;
  }

  /** Returns the envelope in {@code raw}, or null if it is not one (treated as a miss). */
  public static Envelope decode(String raw) {
    if (raw == null) return null;
    int a = raw.indexOf('|');
    int b = a < 0 ? -1 : raw.indexOf('|', a + 1);
    if (b < 0) return null;
    try {
      return new Envelope(Long.parseLong(raw, 0, a, 10), Long.parseLong(raw, a + 1, b, 10), raw.substring(b + 1));
    } catch (NumberFormatException e) {
      return null;
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
