package dev.shardline.app.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the load generator saw, second by second: latencies per request kind, errors, rate-limited
 * requests, and any gauge sampled once a second (cache hit ratio, CDC lag), plus the faults injected.
 */
public final class Timeline {
  /** One injected fault and when it happened (seconds since the start). */
  public record Fault(double atSecond, String name) {}

  private final int seconds;
  private final Map<String, List<int[]>> latencies = new ConcurrentHashMap<>();
  private final Map<String, long[]> counters = new ConcurrentHashMap<>();
  private final Map<String, double[]> gauges = new ConcurrentHashMap<>();
  private final List<Fault> faults = java.util.Collections.synchronizedList(new ArrayList<>());

  public Timeline(int seconds) {
    this.seconds = seconds;
  }

  public int seconds() {
    return seconds;
  }

  /** Records one request of {@code kind} (read, write) that took {@code micros}, in second {@code s}. */
  public void latency(String kind, int s, int micros) {
    if (s < 0 || s >= seconds) return;
    List<int[]> perSecond = latencies.computeIfAbsent(kind, k -> {
      List<int[]> l = new ArrayList<>();
      for (int i = 0; i < seconds; i++) l.add(new int[] {0});
      return java.util.Collections.synchronizedList(l);
    });
    synchronized (perSecond) {
      int[] arr = perSecond.get(s);
      int n = arr[0];
      if (n + 1 >= arr.length) arr = Arrays.copyOf(arr, Math.max(16, arr.length * 2));
      arr[n + 1] = micros;
      arr[0] = n + 1;
      perSecond.set(s, arr);
    }
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
    List<int[]> l = latencies.get(kind);
    if (l == null) return Double.NaN;
    int[] arr = l.get(s);
    return quantile(Arrays.copyOfRange(arr, 1, arr[0] + 1), q);
  }

  /** Returns the {@code q} quantile over the whole run, in ms. */
  public double quantileMs(String kind, double q) {
    List<int[]> l = latencies.get(kind);
    if (l == null) return Double.NaN;
    int total = 0;
    for (int[] a : l) total += a[0];
    int[] all = new int[total];
    int at = 0;
    for (int[] a : l) {
      System.arraycopy(a, 1, all, at, a[0]);
      at += a[0];
    }
    return quantile(all, q);
  }

  public long requests(String kind) {
    List<int[]> l = latencies.get(kind);
    return l == null ? 0 : l.stream().mapToLong(a -> a[0]).sum();
  }

  public long requests(String kind, int s) {
    List<int[]> l = latencies.get(kind);
    return l == null ? 0 : l.get(s)[0];
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

  private static double quantile(int[] micros, double q) {
    if (micros.length == 0) return Double.NaN;
    Arrays.sort(micros);
    int idx = (int) Math.ceil(q * micros.length) - 1;
    return micros[Math.max(0, Math.min(micros.length - 1, idx))] / 1000.0;
  }
}
