package dev.shardline.routing.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The WAL positions the health monitor last sampled per endpoint (a replica's replay position, the
 * primary's insert position), and from them a shard's read position: the lowest over every
 * endpoint that may serve a read. Positions only grow between samples, so a sample stays a lower
 * bound; reading it costs no round trip.
 */
final class ReplayPositions {
    private final Map<EndpointPool, Long> sampled = new ConcurrentHashMap<>();

    void record(EndpointPool e, String lsnText) {
        if (lsnText == null) return;
        long lsn = parse(lsnText);
        sampled.merge(e, lsn, Math::max);
    }

    /**
     * Returns the lowest sampled position over {@code s}'s primary and its replicas in read routing
     * now; 0 if one was never sampled. A replica out of routing (down, lagging) is left out, or a
     * dead replica would hold every fill back; the monitor records a replica's sample before it
     * rejoins, so a caller that takes this bound both before and after its read (the cache does)
     * covers a replica that rejoined in between.
     */
    long readPosition(Shard s) {
        long low = sampled.getOrDefault(s.primary, 0L);
        for (EndpointPool r : s.replicas) {
            if (r.healthy) low = Math.min(low, sampled.getOrDefault(r, 0L));
        }
        return low;
    }

    static long parse(String lsn) {
        int slash = lsn.indexOf('/');
        return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
    }
}
