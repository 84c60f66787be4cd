package dev.shardline.routing.internal;

import dev.shardline.routing.CrossShardException;
import dev.shardline.routing.SqlStates;
import dev.shardline.routing.Tenants;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The rows of a batch grouped by the shard each routes to, keeping row order within a group. */
final class BatchGroups {
    private BatchGroups() {}

    /**
     * Routes every row of {@code rows} (each distinct tenant once when only the tenant value decides
     * the route, see {@link Router#forBatch}); inside a transaction rows on several shards are refused
     * before anything runs (a batch must not span shards there).
     */
    static Map<Integer, List<Integer>> byShard(
            Engine engine, Analysis a, List<Params> rows, int txShard, boolean inTransaction) throws SQLException {
        Map<Integer, List<Integer>> groups = new java.util.LinkedHashMap<>();
        Router.BatchRoutes routes = engine.router().forBatch(a, Tenants.current(), txShard, inTransaction);
        for (int i = 0; i < rows.size(); i++) {
            Route r = routes.route(rows.get(i));
            int key = r.target() == Route.Target.ONE ? r.shard() : -1;
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        if (inTransaction && groups.size() > 1) {
            List<String> names = groups.keySet().stream()
                    .map(k -> k < 0 ? "all" : engine.shard(k).name)
                    .toList();
            throw new CrossShardException(
                    "This batch has rows for tenants on " + names
                            + "; inside a transaction a batch must stay on one shard, "
                            + "so nothing was executed. Split the batch per shard or run it with auto-commit on. Statement: "
                            + Router.abbreviate(a.sql()),
                    SqlStates.CROSS_SHARD_TRANSACTION);
        }
        return groups;
    }
}
