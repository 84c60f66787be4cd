package dev.shardline.routing;

import java.util.List;

/**
 * Where a statement goes and why, as decided by {@link ShardlineDataSource#explain}; the same
 * decision the DataSource makes when the statement runs.
 *
 * @param shards the shards the statement reaches (one, or all for DDL broadcast and scatter)
 * @param role {@code primary} or {@code replica}
 * @param reason a sentence a person can read, e.g. "tenant 42 (parameter 1) → bucket 311 → shard-1"
 */
public record RoutePlan(String sql, String kind, List<String> shards, String role, String reason) {
    @Override
    public String toString() {
        return kind + " → " + shards + " (" + role + "): " + reason;
    }
}
