package dev.shardline.consistency;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * How stale a read that began at a given time may legitimately be, from what the run measured
 * around it: the largest lag sampled within {@link #WINDOW_MS} either side of the read (the CDC
 * sidecar's reported lag and the replicas' replay lag, both ways a read can lag a commit), plus, if
 * the read falls in an invalidation outage (Redis or the sidecar down) or its catch-up allowance
 * (as long again as the outage, plus {@link #CATCH_UP_MS}), the time since the outage began, plus
 * {@link #SLACK_MS} (sampling periods, pub/sub delivery to near caches). A sample after the read
 * counts because lag is reported when the late change is applied, after the reads it affected.
 * {@link #worst()} is the old global bound: the largest lag sampled + the longest outage + slack.
 */
public final class StalenessBound {
    /** Lag samples this far before or after a read are "around" it. */
    public static final long WINDOW_MS = 5_000;
    /** Allowance after an outage, on top of its length, for the sidecar to catch up. */
    public static final long CATCH_UP_MS = 2_000;
    /** Two sampling periods plus near-cache message delivery. */
    public static final long SLACK_MS = 500;

    private final long[] sampleTimes;
    private final long[] sampleLags;
    private final List<long[]> outages;
    private final long fixed;

    private StalenessBound(List<long[]> samples, List<long[]> outages, long fixed) {
        List<long[]> sorted = new ArrayList<>(samples);
        sorted.sort(Comparator.comparingLong(s -> s[0]));
        sampleTimes = sorted.stream().mapToLong(s -> s[0]).toArray();
        sampleLags = sorted.stream().mapToLong(s -> s[1]).toArray();
        this.outages = List.copyOf(outages);
        this.fixed = fixed;
    }

    /**
     * Returns the bound from {@code samples} ({time ms, lag ms}) and {@code outages} ({start ms, end
     * ms}: intervals in which applied invalidations could not reach the cache).
     */
    public static StalenessBound measured(List<long[]> samples, List<long[]> outages) {
        for (long[] o : outages) {
            if (o.length != 2 || o[1] < o[0])
                throw new IllegalArgumentException(
                        "consistency bound - an outage must be {start, end}: " + Arrays.toString(o));
        }
        return new StalenessBound(samples, outages, -1);
    }

    /** Returns the same bound {@code ms} for every read (the checker's original global B). */
    public static StalenessBound fixed(long ms) {
        if (ms < 0) throw new IllegalArgumentException("consistency bound - must be >= 0: " + ms);
        return new StalenessBound(List.of(), List.of(), ms);
    }

    /** Returns the staleness allowed to a read that began at {@code readStartMs}. */
    public long at(long readStartMs) {
        if (fixed >= 0) return fixed;
        return maxLag(readStartMs - WINDOW_MS, readStartMs + WINDOW_MS) + outageAt(readStartMs) + SLACK_MS;
    }

    /** Returns the global worst case: the largest lag sampled + the longest outage + slack. */
    public long worst() {
        if (fixed >= 0) return fixed;
        long longest = outages.stream().mapToLong(o -> o[1] - o[0]).max().orElse(0);
        return Arrays.stream(sampleLags).max().orElse(0) + longest + SLACK_MS;
    }

    /** Returns how long the invalidation path had been down at {@code t}, if {@code t} is within an outage's reach. */
    private long outageAt(long t) {
        long down = 0;
        for (long[] o : outages) {
            long reach = o[1] + (o[1] - o[0]) + CATCH_UP_MS;
            if (t >= o[0] && t <= reach) down = Math.max(down, t - o[0]);
        }
        return down;
    }

    private long maxLag(long from, long to) {
        int i = Arrays.binarySearch(sampleTimes, from);
        if (i < 0) i = -i - 1;
        while (i > 0 && sampleTimes[i - 1] >= from) i--;
        long m = 0;
        for (; i < sampleTimes.length && sampleTimes[i] <= to; i++) m = Math.max(m, sampleLags[i]);
        return m;
    }
}
