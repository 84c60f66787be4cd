package dev.shardline.routing;

import java.sql.SQLNonTransientException;

/**
 * A statement Shardline cannot prove stays within one tenant (several statements in one string,
 * DO/CALL, COPY, PREPARE/EXECUTE, cursors, session settings it pins, CREATE ... AS): rejected
 * before running unless the caller opted in with {@link Tenants#unrestricted}. SQLState SL005.
 */
public final class UnverifiableStatementException extends SQLNonTransientException {
    private static final long serialVersionUID = 1L;

    public UnverifiableStatementException(String message) {
        super(message, SqlStates.UNVERIFIABLE);
    }
}
