package dev.shardline.app.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * What the load generator saw, second by second: latencies per request kind, errors, rate-limited
 * requests, and any gauge sampled once a second (cache hit ratio, CDC lag), plus the faults injected.
 */
public final class Timeline {
    /** One injected fault and when it happened (seconds since the start). */
    public record Fault(double atSecond, String name) {}

    /** Latencies above this are recorded as this (the client's request timeout is far below it). */
    static final long MAX_MICROS = 60_000_000L;

    private final int seconds;
    // HdrHistogram instead of raw arrays: fixed memory whatever the rate. Per-second histograms feed
    // the charts at 2 significant digits (1 %); the run's totals keep 3 digits (0.1 %).
    private final Map<String, Histogram[]> perSecond = new ConcurrentHashMap<>();
    private final Map<String, Histogram> overall = new ConcurrentHashMap<>();
    private final Map<String, long[]> counters = new ConcurrentHashMap<>();
    private final Map<String, double[]> gauges = new ConcurrentHashMap<>();
    private final List<Fault> faults = java.util.Collections.synchronizedList(new ArrayList<>());

    public Timeline(int seconds) {
        this.seconds = seconds;
    }

    public int seconds() {
        return seconds;
    }

    /**
     * Records one request of {@code kind} (read, write) that took {@code micros}, counted in second
     * {@code s}: the second it was scheduled in, so a stall shows up where it was felt.
     */
    public void latency(String kind, int s, long micros) {
        if (s < 0 || s >= seconds) return;
        long v = Math.max(1, Math.min(MAX_MICROS, micros));
        Histogram[] hs = perSecond.computeIfAbsent(kind, k -> {
            Histogram[] a = new Histogram[seconds];
            for (int i = 0; i < seconds; i++) a[i] = new SynchronizedHistogram(MAX_MICROS, 2);
            return a;
        });
        hs[s].recordValue(v);
        overall.computeIfAbsent(kind, k -> new SynchronizedHistogram(MAX_MICROS, 3))
                .recordValue(v);
    }

    /** Returns how many requests of {@code kind} took at least {@code micros}. */
    public long requestsSlowerThan(String kind, long micros) {
        Histogram h = overall.get(kind);
        if (h == null || h.getTotalCount() == 0) return 0;
        long low = h.lowestEquivalentValue(Math.max(1, Math.min(micros, MAX_MICROS)));
        return h.getMaxValue() < low ? 0 : h.getCountBetweenValues(low, h.getMaxValue());
    }

    public void count(String name, int s) {
        if (s < 0 || s >= seconds) return;
        long[] c = counters.computeIfAbsent(name, k -> new long[seconds]);
        synchronized (c) {
            c[s]++;
        }
    }

    public void gauge(String name, int s, double value) {
        if (s < 0 || s >= seconds) return;
        gauges.computeIfAbsent(name, k -> {
            double[] d = new double[seconds];
            Arrays.fill(d, Double.NaN);
            return d;
        })[s] = value;
    }

    public void fault(double atSecond, String name) {
        faults.add(new Fault(atSecond, name));
    }

    public List<Fault> faults() {
        return List.copyOf(faults);
    }

    /** Returns the {@code q} quantile (0..1) of latencies of {@code kind} in second {@code s}, in ms; NaN if none. */
    public double quantileMs(String kind, int s, double q) {
        Histogram[] hs = perSecond.get(kind);
        return hs == null ? Double.NaN : quantile(hs[s], q);
    }

    /** Returns the {@code q} quantile over the whole run, in ms. */
    public double quantileMs(String kind, double q) {
        return quantile(overall.get(kind), q);
    }

    public long requests(String kind) {
        Histogram h = overall.get(kind);
        return h == null ? 0 : h.getTotalCount();
    }

    public long requests(String kind, int s) {
        Histogram[] hs = perSecond.get(kind);
        return hs == null ? 0 : hs[s].getTotalCount();
    }

    public long total(String counter) {
        long[] c = counters.get(counter);
        return c == null ? 0 : Arrays.stream(c).sum();
    }

    public long countAt(String counter, int s) {
        long[] c = counters.get(counter);
        return c == null ? 0 : c[s];
    }

    public double gaugeAt(String name, int s) {
        double[] g = gauges.get(name);
        return g == null ? Double.NaN : g[s];
    }

    public java.util.Set<String> gaugeNames() {
        return gauges.keySet();
    }

    private static double quantile(Histogram h, double q) {
        if (h == null || h.getTotalCount() == 0) return Double.NaN;
        return h.getValueAtPercentile(q * 100) / 1000.0;
    }
}
