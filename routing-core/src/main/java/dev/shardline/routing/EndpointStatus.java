package dev.shardline.routing;

/**
 * The health of one server as Shardline sees it.
 *
 * @param healthy whether reads may be routed to it (replica) or it answers checks (primary)
 * @param lagMillis for a replica: how long since it was last seen fully caught up with its primary
 * @param breaker the circuit breaker state: closed, open or half_open
 */
public record EndpointStatus(
        String endpoint, String shard, String role, boolean healthy, long lagMillis, String breaker) {}
