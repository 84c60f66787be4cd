package dev.shardline.migrations;

/** The unchecked base exception of the migrations module; messages start with the shard or file they concern. */
public class ShardlineMigrationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ShardlineMigrationException(String message) {
        super(message);
    }

    public ShardlineMigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
