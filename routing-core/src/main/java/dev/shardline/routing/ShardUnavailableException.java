package dev.shardline.routing;

import java.sql.SQLTransientConnectionException;

/** An endpoint cannot serve now: its circuit breaker is open or its pool timed out. Retrying later may succeed. */
public final class ShardUnavailableException extends SQLTransientConnectionException {
    private static final long serialVersionUID = 1L;

    public ShardUnavailableException(String message, Throwable cause) {
        super(message, SqlStates.SHARD_UNAVAILABLE, cause);
    }
}
