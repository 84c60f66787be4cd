package dev.shardline.routing;

/**
 * The unchecked base exception of routing-core, thrown outside the JDBC edge (building a
 * DataSource, configuration, explain). Messages start with the component, e.g. {@code shard-2 - }.
 */
public class ShardlineRoutingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ShardlineRoutingException(String message) {
        super(message);
    }

    public ShardlineRoutingException(String message, Throwable cause) {
        super(message, cause);
    }
}
