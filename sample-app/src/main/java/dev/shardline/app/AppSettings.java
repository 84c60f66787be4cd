package dev.shardline.app;

import dev.shardline.config.ConfigNode;
import dev.shardline.config.ShardlineConfigException;
import java.time.Duration;

/**
 * Settings of the sample service, from the {@code app:} section of {@code shardline.yaml}.
 *
 * @param port HTTP port; 0 picks a free one
 * @param rateLimitPerSecond requests a tenant may make per second before getting 429
 * @param idempotencyTtl how long a stored response is replayed for its Idempotency-Key
 * @param requestTimeout the longest a request may take before it is answered with 503
 */
public record AppSettings(
        int port, int rateLimitPerSecond, Duration idempotencyTtl, Duration requestTimeout, int workerThreads) {
    public AppSettings {
        if (port < 0 || port > 65_535) throw new ShardlineConfigException("app.port must be 0-65535, was " + port);
        if (rateLimitPerSecond < 1)
            throw new ShardlineConfigException("app.rateLimitPerSecond must be at least 1, was " + rateLimitPerSecond);
        if (idempotencyTtl.toMinutes() < 1) {
            throw new ShardlineConfigException("app.idempotencyTtl must be at least 1m, was " + idempotencyTtl);
        }
        if (workerThreads < 1 || workerThreads > 1024) {
            throw new ShardlineConfigException("app.workerThreads must be 1-1024, was " + workerThreads);
        }
    }

    public static AppSettings ofDefaults() {
        return new AppSettings(8080, 200, Duration.ofHours(24), Duration.ofSeconds(5), 32);
    }

    /** Binds the {@code app:} section; missing keys keep their defaults. */
    public static AppSettings from(ConfigNode n) {
        n.allowOnly("port", "rateLimitPerSecond", "idempotencyTtl", "requestTimeout", "workerThreads");
        AppSettings d = ofDefaults();
        return n.guard(() -> new AppSettings(
                n.get("port").intOr(d.port(), 0, 65_535),
                n.get("rateLimitPerSecond").intOr(d.rateLimitPerSecond(), 1, 1_000_000),
                n.get("idempotencyTtl").durationOr(d.idempotencyTtl()),
                n.get("requestTimeout").durationOr(d.requestTimeout()),
                n.get("workerThreads").intOr(d.workerThreads(), 1, 1024)));
    }

    public AppSettings withPort(int p) {
        return new AppSettings(p, rateLimitPerSecond, idempotencyTtl, requestTimeout, workerThreads);
    }

    public AppSettings withRateLimit(int perSecond) {
        return new AppSettings(port, perSecond, idempotencyTtl, requestTimeout, workerThreads);
    }
}
