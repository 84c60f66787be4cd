package dev.shardline.routing.internal;

/**
 * A routing decision for one execution: one shard (primary or replica), every shard primary
 * (DDL and broadcast-table writes), or a ShardingSphere scatter read.
 *
 * @param tenantKey canonical tenant the statement is for, or null (used for read-your-writes)
 * @param guardedSql the statement restricted to the context tenant, when it had no tenant condition
 * @param settingTenant the tenant {@code shardline.tenant} must hold on the physical connection, or null
 */
record Route(
        Target target,
        int shard,
        boolean replica,
        String tenantKey,
        String reason,
        String guardedSql,
        String settingTenant) {
    /** The kinds of destination. */
    enum Target {
        ONE,
        ALL_PRIMARIES,
        SCATTER
    }

    static Route one(int shard, boolean replica, String tenantKey, String reason) {
        return new Route(Target.ONE, shard, replica, tenantKey, reason, null, null);
    }

    static Route all(String reason) {
        return new Route(Target.ALL_PRIMARIES, -1, false, null, reason, null, null);
    }

    static Route scatter(boolean replica, String reason) {
        return new Route(Target.SCATTER, -1, replica, null, reason, null, null);
    }
}
