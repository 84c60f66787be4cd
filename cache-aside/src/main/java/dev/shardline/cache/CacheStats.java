package dev.shardline.cache;

/** Counters of one cache since it was created. */
public record CacheStats(
        long hits, long misses, long loads, long staleServed, long fillsRejected, long redisErrors, String breaker) {
    /** Hits ÷ (hits + misses); 0 before the first get. */
    public double hitRatio() {
        long total = hits + misses;
        return total == 0 ? 0 : hits / (double) total;
    }
}
