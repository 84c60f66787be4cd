package dev.shardline.routing.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** The part of an execution that runs on the chosen physical connection. */
@FunctionalInterface
interface Exec<T> {
    /**
     * Runs on {@code physical}.
     *
     * @param sql the SQL to run instead of the statement's own text (tenant-restricted), or null
     */
    T run(Connection physical, String sql) throws SQLException;

    /**
     * An execution that can carry the tenant setting in the same round trip as its statement, so a
     * tenant switch on a pooled connection costs no extra round trip (the RLS and context modes).
     */
    interface CarriesTenant<T> extends Exec<T> {
        /** Whether this execution can carry the setting now (plain shape, no cursor fetch, a DML statement). */
        boolean canCarryTenant();

        /**
         * Runs the statement on {@code physical} after setting {@code shardline.tenant} to {@code tenant}
         * in the same round trip and the same (implicit) transaction: if the statement fails, the
         * setting is undone with it.
         */
        T runCarryingTenant(Connection physical, String sql, String tenant) throws SQLException;
    }
}
