package dev.shardline.spring.internal;

import dev.shardline.routing.EndpointStatus;
import dev.shardline.routing.ShardlineDataSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Actuator health of every shard endpoint, nested as {@code shardline → shard-0 → primary,
 * replica-0}: each answers from {@link ShardlineDataSource#health()} (the router's own health
 * checks and circuit breakers), so reading it sends nothing to the databases.
 */
public final class EndpointHealth {
    private EndpointHealth() {}

    /** Returns the contributor tree for the shards and endpoints {@code ds} was configured with. */
    public static CompositeHealthContributor of(ShardlineDataSource ds) {
        Map<String, Map<String, HealthContributor>> shards = new LinkedHashMap<>();
        for (EndpointStatus s : ds.health()) {
            String role = s.endpoint().substring(s.endpoint().indexOf('/') + 1);
            shards.computeIfAbsent(s.shard(), k -> new LinkedHashMap<>()).put(role, indicator(ds, s.endpoint()));
        }
        Map<String, HealthContributor> tree = new LinkedHashMap<>();
        shards.forEach((shard, endpoints) -> tree.put(shard, CompositeHealthContributor.fromMap(endpoints)));
        return CompositeHealthContributor.fromMap(tree);
    }

    private static HealthIndicator indicator(ShardlineDataSource ds, String endpoint) {
        return () -> {
            Optional<EndpointStatus> now = find(ds.health(), endpoint);
            if (now.isEmpty())
                return Health.unknown().withDetail("endpoint", endpoint).build();
            EndpointStatus s = now.get();
            Health.Builder b = s.healthy() ? Health.up() : Health.down();
            b.withDetail("endpoint", s.endpoint()).withDetail("role", s.role()).withDetail("breaker", s.breaker());
            if ("replica".equalsIgnoreCase(s.role())) b.withDetail("lagMillis", s.lagMillis());
            return b.build();
        };
    }

    private static Optional<EndpointStatus> find(List<EndpointStatus> all, String endpoint) {
        return all.stream().filter(s -> s.endpoint().equals(endpoint)).findFirst();
    }
}
