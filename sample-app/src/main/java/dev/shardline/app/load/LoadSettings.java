package dev.shardline.app.load;

import java.time.Duration;

/**
 * Shape of a load run: tenants and hot keys (Zipf), read share, base request rate with one burst
 * window, duration and client concurrency.
 */
public record LoadSettings(
        int tenants,
        int ordersPerTenant,
        double zipfExponent,
        double readShare,
        int baseRps,
        double burstFactor,
        Duration burstStart,
        Duration burstLength,
        Duration duration,
        int concurrency) {

    public LoadSettings {
        if (tenants < 1) throw new IllegalArgumentException("tenants must be at least 1, was " + tenants);
        if (ordersPerTenant < 1)
            throw new IllegalArgumentException("ordersPerTenant must be at least 1, was " + ordersPerTenant);
        if (readShare < 0 || readShare > 1)
            throw new IllegalArgumentException("readShare must be within 0..1, was " + readShare);
        if (baseRps < 1) throw new IllegalArgumentException("baseRps must be at least 1, was " + baseRps);
        if (burstFactor < 1) throw new IllegalArgumentException("burstFactor must be at least 1, was " + burstFactor);
        if (duration.toSeconds() < 1)
            throw new IllegalArgumentException("duration must be at least 1s, was " + duration);
        if (concurrency < 1) throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
    }

    /** The seeds' practice mix: 85 % reads, 15 % writes, one 20× burst. */
    public static LoadSettings standard(Duration duration, int baseRps) {
        long s = duration.toSeconds();
        return new LoadSettings(
                50,
                20,
                1.1,
                0.85,
                baseRps,
                20,
                Duration.ofSeconds(s / 3),
                Duration.ofSeconds(Math.max(1, s / 10)),
                duration,
                64);
    }

    int rpsAt(double second) {
        double b0 = burstStart.toMillis() / 1000.0;
        double b1 = b0 + burstLength.toMillis() / 1000.0;
        return second >= b0 && second < b1 ? (int) Math.round(baseRps * burstFactor) : baseRps;
    }
}
