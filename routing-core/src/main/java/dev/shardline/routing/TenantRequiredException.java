package dev.shardline.routing;

import java.sql.SQLNonTransientException;

/** A statement on a sharded table would reach more than one shard: it has no tenant key and none is in context. */
public final class TenantRequiredException extends SQLNonTransientException {
    private static final long serialVersionUID = 1L;

    public TenantRequiredException(String message) {
        super(message, SqlStates.TENANT_REQUIRED);
    }
}
