package dev.shardline.cdc;

/**
 * The one unchecked exception of the CDC pipeline. Messages start with the component
 * ({@code cdc shard-1 - }) and end with what to do about it.
 */
public class ShardlineCdcException extends RuntimeException {
    public ShardlineCdcException(String message) {
        super(message);
    }

    public ShardlineCdcException(String message, Throwable cause) {
        super(message, cause);
    }
}
