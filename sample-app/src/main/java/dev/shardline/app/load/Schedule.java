package dev.shardline.app.load;

/**
 * When each request of an open-loop run is due: the rate of {@link LoadSettings#rpsAt} integrated
 * over time. Request {@code n} (0-based) is due at the first instant by which {@code n + 1}
 * requests are due; latency is measured from that instant, so time a request spends waiting for a
 * free worker behind a stalled server counts (no coordinated omission).
 */
final class Schedule {
    private final LoadSettings settings;
    private final long[] dueBefore; // requests due before second s starts

    Schedule(LoadSettings settings) {
        this.settings = settings;
        int seconds = (int) settings.duration().toSeconds();
        dueBefore = new long[seconds + 2];
        for (int s = 0; s <= seconds; s++) dueBefore[s + 1] = dueBefore[s] + settings.rpsAt(s);
    }

    /** Returns how many requests are due by {@code elapsed} seconds into the run. */
    long dueBy(double elapsed) {
        int whole = Math.min((int) elapsed, dueBefore.length - 2);
        // The epsilon absorbs binary rounding so that dueBy(dueNanos(n) / 1e9) always counts request n.
        return dueBefore[whole] + (long) (settings.rpsAt(whole) * (elapsed - whole) + 1e-9);
    }

    /** Returns when request {@code n} is due, in nanoseconds since the start of the run. */
    long dueNanos(long n) {
        int s = 0;
        int lo = 0;
        int hi = dueBefore.length - 2;
        while (lo <= hi) { // last second whose start has fewer than n + 1 requests due
            int mid = (lo + hi) >>> 1;
            if (dueBefore[mid] <= n) {
                s = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        double within = (n + 1 - dueBefore[s]) / (double) settings.rpsAt(s);
        return (long) Math.ceil((s + Math.min(within, 1.0)) * 1e9);
    }
}
