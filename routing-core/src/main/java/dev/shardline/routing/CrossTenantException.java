package dev.shardline.routing;

import java.sql.SQLNonTransientException;

/** A statement names more than one tenant (SQLState SL004); nothing was executed. */
public final class CrossTenantException extends SQLNonTransientException {
    private static final long serialVersionUID = 1L;

    public CrossTenantException(String message) {
        super(message, SqlStates.UNROUTABLE);
    }
}
