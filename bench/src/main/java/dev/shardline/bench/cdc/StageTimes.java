package dev.shardline.bench.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline's latency histograms ({@code shardline.cdc.receive}, {@code shardline.cdc.sink.apply},
 * {@code shardline.cdc.stage.wait}) summed over shards, taken twice so that the difference covers
 * one phase of the bench only: where a change's time goes between commit and visibility.
 */
public final class StageTimes {
    private final Map<String, long[]> buckets = new TreeMap<>();
    private final Map<String, double[]> totals = new TreeMap<>();
    private double[] bounds = new double[0];

    private StageTimes() {}

    /** Reads the histograms of {@code registry} now. */
    public static StageTimes take(MeterRegistry registry) {
        StageTimes t = new StageTimes();
        for (Timer timer : registry.find("shardline.cdc.receive").timers()) t.add("receive (commit -> sinks)", timer);
        for (Timer timer : registry.find("shardline.cdc.stage.wait").timers()) t.add("stage wait", timer);
        for (Timer timer : registry.find("shardline.cdc.sink.apply").timers())
            t.add("apply " + timer.getId().getTag("sink"), timer);
        return t;
    }

    private void add(String name, Timer timer) {
        HistogramSnapshot s = timer.takeSnapshot();
        CountAtBucket[] h = s.histogramCounts();
        bounds = new double[h.length];
        long[] b = buckets.computeIfAbsent(name, k -> new long[h.length + 1]);
        for (int i = 0; i < h.length; i++) {
            bounds[i] = h[i].bucket(TimeUnit.MILLISECONDS);
            b[i] += (long) h[i].count();
        }
        b[h.length] += s.count();
        double[] tot = totals.computeIfAbsent(name, k -> new double[1]);
        tot[0] += s.total(TimeUnit.MILLISECONDS);
    }

    /** Returns one line per histogram: count, mean, and the bucket bounds of p50 and p99 between {@code before} and this. */
    public String since(StageTimes before) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, long[]> e : buckets.entrySet()) {
            long[] now = e.getValue();
            long[] was = before.buckets.getOrDefault(e.getKey(), new long[now.length]);
            long n = now[now.length - 1] - was[was.length - 1];
            if (n <= 0) continue;
            double mean = (totals.get(e.getKey())[0] - before.totals.getOrDefault(e.getKey(), new double[1])[0]) / n;
            out.append(String.format(
                    Locale.ROOT,
                    "  %-26s n=%-6d mean %.1f ms  p50 %s  p99 %s  >50 ms: %d%n",
                    e.getKey(),
                    n,
                    mean,
                    bound(now, was, n, 0.50),
                    bound(now, was, n, 0.99),
                    n - (count(now, was, 50))));
        }
        return out.toString();
    }

    private long count(long[] now, long[] was, double ms) {
        for (int i = 0; i < bounds.length; i++) if (bounds[i] >= ms) return now[i] - was[i];
        return now[now.length - 1] - was[was.length - 1];
    }

    private String bound(long[] now, long[] was, long n, double q) {
        for (int i = 0; i < bounds.length; i++) {
            if (now[i] - was[i] >= Math.ceil(q * n))
                return (i == 0 ? "<= " : (long) bounds[i - 1] + "-") + (long) bounds[i] + " ms";
        }
        return "> " + (long) bounds[bounds.length - 1] + " ms";
    }
}
