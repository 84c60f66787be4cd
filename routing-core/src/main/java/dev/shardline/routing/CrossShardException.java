package dev.shardline.routing;

import java.sql.SQLNonTransientException;

/**
 * A statement would make one transaction, batch or write span shards, or names tenants of
 * different shards. Nothing was executed by the statement that raised it.
 */
public final class CrossShardException extends SQLNonTransientException {
    private static final long serialVersionUID = 1L;

    public CrossShardException(String message, String sqlState) {
        super(message, sqlState);
    }
}
