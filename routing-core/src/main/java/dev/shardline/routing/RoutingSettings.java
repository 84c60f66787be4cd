package dev.shardline.routing;

import dev.shardline.config.ConfigNode;
import dev.shardline.config.Durations;
import dev.shardline.config.ShardlineConfigException;
import java.time.Duration;

/**
 * Routing behaviour read from the {@code routing:} section of {@code shardline.yaml}: read policy,
 * read-your-writes, replica lag and health checks, timeouts and the per-endpoint circuit breaker.
 */
public record RoutingSettings(
        String defaultShard,
        ReadPolicy readPolicy,
        boolean readYourWrites,
        Duration maxReplicaLag,
        Duration healthCheckInterval,
        Duration statementTimeout,
        Duration connectTimeout,
        int breakerFailureRateThreshold,
        int breakerMinimumCalls,
        Duration breakerWaitInOpen,
        StartupCheck startupCheck,
        int analysisCacheSize,
        java.util.Set<String> trustedFunctions,
        Isolation isolation,
        StartupCheck rlsBypassCheck,
        boolean traceTenant) {

    public RoutingSettings {
        trustedFunctions = java.util.Set.copyOf(trustedFunctions);
    }

    /** Returns these settings with {@link Builder#traceTenant} set to {@code v}. */
    public RoutingSettings withTraceTenant(boolean v) {
        return new RoutingSettings(
                defaultShard,
                readPolicy,
                readYourWrites,
                maxReplicaLag,
                healthCheckInterval,
                statementTimeout,
                connectTimeout,
                breakerFailureRateThreshold,
                breakerMinimumCalls,
                breakerWaitInOpen,
                startupCheck,
                analysisCacheSize,
                trustedFunctions,
                isolation,
                rlsBypassCheck,
                v);
    }

    public static RoutingSettings ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the {@code routing:} section; a missing section means defaults. */
    public static RoutingSettings from(ConfigNode n) {
        n.allowOnly(
                "defaultShard",
                "readPolicy",
                "readYourWrites",
                "maxReplicaLag",
                "healthCheckInterval",
                "statementTimeout",
                "connectTimeout",
                "breaker",
                "startupCheck",
                "analysisCacheSize",
                "trustedFunctions",
                "isolation",
                "rlsBypassCheck",
                "tracing");
        Builder b = builder();
        if (!n.get("defaultShard").isMissing())
            b.defaultShard(n.get("defaultShard").string());
        b.readPolicy(n.get("readPolicy").enumOr(ReadPolicy.REPLICA));
        b.readYourWrites(n.get("readYourWrites").boolOr(true));
        set(n.get("maxReplicaLag"), v -> b.maxReplicaLag(v.duration()));
        set(n.get("healthCheckInterval"), v -> b.healthCheckInterval(v.duration()));
        set(n.get("statementTimeout"), v -> b.statementTimeout(v.duration()));
        set(n.get("connectTimeout"), v -> b.connectTimeout(v.duration()));
        ConfigNode br = n.get("breaker").allowOnly("failureRateThreshold", "minimumCalls", "waitInOpen");
        set(br.get("failureRateThreshold"), v -> b.breakerFailureRateThreshold(v.intValue(1, 100)));
        set(br.get("minimumCalls"), v -> b.breakerMinimumCalls(v.intValue(1, 10_000)));
        set(br.get("waitInOpen"), v -> b.breakerWaitInOpen(v.duration()));
        b.startupCheck(n.get("startupCheck").enumOr(StartupCheck.FAIL));
        set(n.get("analysisCacheSize"), v -> b.analysisCacheSize(v.intValue(16, 10_000_000)));
        set(n.get("trustedFunctions"), v -> b.trustedFunctions(v.strings()));
        b.isolation(n.get("isolation").enumOr(Isolation.ANALYSIS));
        b.rlsBypassCheck(n.get("rlsBypassCheck").enumOr(StartupCheck.FAIL));
        b.traceTenant(n.get("tracing").allowOnly("tenant").get("tenant").boolOr(false));
        return n.guard(b::build);
    }

    private static void set(ConfigNode v, java.util.function.Consumer<ConfigNode> apply) {
        if (!v.isMissing())
            v.guard(() -> {
                apply.accept(v);
                return null;
            });
    }

    /** Validating builder; every setter states the rule and the rejected value. */
    public static final class Builder {
        private String defaultShard;
        private ReadPolicy readPolicy = ReadPolicy.REPLICA;
        private boolean readYourWrites = true;
        private Duration maxReplicaLag = Duration.ofSeconds(5);
        private Duration healthCheckInterval = Duration.ofMillis(100);
        private Duration statementTimeout = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private int breakerFailureRateThreshold = 50;
        private int breakerMinimumCalls = 5;
        private Duration breakerWaitInOpen = Duration.ofSeconds(2);
        private StartupCheck startupCheck = StartupCheck.FAIL;
        private int analysisCacheSize = 10_000;
        private java.util.Set<String> trustedFunctions = java.util.Set.of();
        private Isolation isolation = Isolation.ANALYSIS;
        private StartupCheck rlsBypassCheck = StartupCheck.FAIL;
        private boolean traceTenant;

        /**
         * Whether statement spans carry the tenant ({@code shardline.tenant}), the route explanation and
         * error messages (default false: tenant ids can be personal data, and span backends keep them).
         */
        public Builder traceTenant(boolean v) {
            traceTenant = v;
            return this;
        }

        /** ANALYSIS (default) or RLS (analysis plus row-level security policies). */
        public Builder isolation(Isolation v) {
            isolation = java.util.Objects.requireNonNull(v, "isolation");
            return this;
        }

        /** With RLS: FAIL (default) refuses to start when the configured role bypasses row-level security; WARN logs it. */
        public Builder rlsBypassCheck(StartupCheck v) {
            rlsBypassCheck = java.util.Objects.requireNonNull(v, "rlsBypassCheck");
            return this;
        }

        /**
         * Functions (name or schema.name, lower case) that statements may call although Shardline cannot
         * see their bodies: declare only functions that touch nothing but the caller's tenant.
         */
        public Builder trustedFunctions(java.util.Collection<String> names) {
            java.util.Set<String> out = new java.util.HashSet<>();
            for (String n : names) {
                if (n == null || !n.matches("[a-z_][a-z0-9_$]*(\\.[a-z_][a-z0-9_$]*)?")) {
                    throw new ShardlineConfigException(
                            "trustedFunctions entries must be lower-case function names (name or schema.name), was '"
                                    + n + "'");
                }
                out.add(n);
            }
            trustedFunctions = out;
            return this;
        }

        public Builder defaultShard(String v) {
            defaultShard = v;
            return this;
        }

        public Builder readPolicy(ReadPolicy v) {
            readPolicy = java.util.Objects.requireNonNull(v, "readPolicy");
            return this;
        }

        public Builder readYourWrites(boolean v) {
            readYourWrites = v;
            return this;
        }

        public Builder maxReplicaLag(Duration v) {
            atLeast("maxReplicaLag", v, Duration.ofMillis(10));
            maxReplicaLag = v;
            return this;
        }

        public Builder healthCheckInterval(Duration v) {
            atLeast("healthCheckInterval", v, Duration.ofMillis(10));
            healthCheckInterval = v;
            return this;
        }

        public Builder statementTimeout(Duration v) {
            if (v.isNegative())
                throw new ShardlineConfigException("statementTimeout must be 0 (none) or more, was " + v);
            statementTimeout = v;
            return this;
        }

        public Builder connectTimeout(Duration v) {
            atLeast("connectTimeout", v, Duration.ofMillis(250));
            connectTimeout = v;
            return this;
        }

        public Builder breakerFailureRateThreshold(int v) {
            if (v < 1 || v > 100)
                throw new ShardlineConfigException("breaker.failureRateThreshold must be 1-100 (percent), was " + v);
            breakerFailureRateThreshold = v;
            return this;
        }

        public Builder breakerMinimumCalls(int v) {
            if (v < 1) throw new ShardlineConfigException("breaker.minimumCalls must be at least 1, was " + v);
            breakerMinimumCalls = v;
            return this;
        }

        public Builder breakerWaitInOpen(Duration v) {
            atLeast("breaker.waitInOpen", v, Duration.ofMillis(100));
            breakerWaitInOpen = v;
            return this;
        }

        public Builder startupCheck(StartupCheck v) {
            startupCheck = java.util.Objects.requireNonNull(v, "startupCheck");
            return this;
        }

        public Builder analysisCacheSize(int v) {
            if (v < 16) throw new ShardlineConfigException("analysisCacheSize must be at least 16, was " + v);
            analysisCacheSize = v;
            return this;
        }

        public RoutingSettings build() {
            return new RoutingSettings(
                    defaultShard,
                    readPolicy,
                    readYourWrites,
                    maxReplicaLag,
                    healthCheckInterval,
                    statementTimeout,
                    connectTimeout,
                    breakerFailureRateThreshold,
                    breakerMinimumCalls,
                    breakerWaitInOpen,
                    startupCheck,
                    analysisCacheSize,
                    trustedFunctions,
                    isolation,
                    rlsBypassCheck,
                    traceTenant);
        }

        private static void atLeast(String name, Duration v, Duration min) {
            if (v.compareTo(min) < 0) {
                throw new ShardlineConfigException(
                        name + " must be at least " + Durations.format(min) + ", was " + Durations.format(v));
            }
        }
    }
}
