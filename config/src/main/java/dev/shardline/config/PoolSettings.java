package dev.shardline.config;

import java.time.Duration;

/**
 * Connection-pool settings for one endpoint; each endpoint gets its own pool so a dead shard
 * cannot exhaust another's connections.
 */
public record PoolSettings(
        int maxSize, int minIdle, Duration connectionTimeout, Duration idleTimeout, Duration maxLifetime) {

    public static PoolSettings ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .maxSize(maxSize)
                .minIdle(minIdle)
                .connectionTimeout(connectionTimeout)
                .idleTimeout(idleTimeout)
                .maxLifetime(maxLifetime);
    }

    /** Validating builder: each setter rejects a bad value stating the rule and the value. */
    public static final class Builder {
        private int maxSize = 10;
        private int minIdle = 1;
        private Duration connectionTimeout = Duration.ofSeconds(2);
        private Duration idleTimeout = Duration.ofMinutes(10);
        private Duration maxLifetime = Duration.ofMinutes(30);

        public Builder maxSize(int v) {
            if (v < 1 || v > 1000) throw new ShardlineConfigException("maxSize must be between 1 and 1000, was " + v);
            maxSize = v;
            return this;
        }

        public Builder minIdle(int v) {
            if (v < 0) throw new ShardlineConfigException("minIdle must be 0 or more, was " + v);
            minIdle = v;
            return this;
        }

        public Builder connectionTimeout(Duration v) {
            if (v.toMillis() < 250) {
                throw new ShardlineConfigException(
                        "connectionTimeout must be at least 250ms (HikariCP's floor), was " + Durations.format(v));
            }
            connectionTimeout = v;
            return this;
        }

        public Builder idleTimeout(Duration v) {
            if (v.isNegative()) throw new ShardlineConfigException("idleTimeout must not be negative, was " + v);
            idleTimeout = v;
            return this;
        }

        public Builder maxLifetime(Duration v) {
            if (v.toMillis() < 30_000) {
                throw new ShardlineConfigException("maxLifetime must be at least 30s, was " + Durations.format(v));
            }
            maxLifetime = v;
            return this;
        }

        public PoolSettings build() {
            if (minIdle > maxSize) {
                throw new ShardlineConfigException(
                        "minIdle must not exceed maxSize, was minIdle=" + minIdle + " maxSize=" + maxSize);
            }
            return new PoolSettings(maxSize, minIdle, connectionTimeout, idleTimeout, maxLifetime);
        }
    }
}
