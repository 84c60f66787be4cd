package dev.shardline.app;

import dev.shardline.routing.EndpointStatus;
import dev.shardline.routing.ShardlineDataSource;
import java.util.List;
import java.util.stream.Collectors;

/** Ready while every shard primary answers; replicas that are down are reported but do not make the service unready. */
public final class ShardReadiness implements ReadinessCheck {
    private final ShardlineDataSource ds;

    public ShardReadiness(ShardlineDataSource ds) {
        this.ds = ds;
    }

    @Override
    public String name() {
        return "shards";
    }

    @Override
    public String problem() {
        List<EndpointStatus> all = ds.health();
        String down = all.stream()
                .filter(s -> s.role().equals("primary")
                        && (!s.healthy() || s.breaker().equals("open")))
                .map(EndpointStatus::endpoint)
                .collect(Collectors.joining(", "));
        return down.isEmpty() ? null : "down: " + down;
    }
}
