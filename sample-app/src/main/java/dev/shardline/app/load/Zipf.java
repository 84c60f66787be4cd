package dev.shardline.app.load;

import java.util.SplittableRandom;

/** Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s: a few hot keys, a long tail. */
public final class Zipf {
    private final double[] cdf;

    public Zipf(int n, double s) {
        if (n < 1) throw new IllegalArgumentException("n must be at least 1, was " + n);
        if (s <= 0) throw new IllegalArgumentException("exponent must be positive, was " + s);
        cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1.0 / Math.pow(i + 1, s);
            cdf[i] = sum;
        }
        for (int i = 0; i < n; i++) cdf[i] /= sum;
    }

    public int next(SplittableRandom rnd) {
        double u = rnd.nextDouble();
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] < u) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
