package dev.shardline.config;

/**
 * Thrown when a Shardline configuration is invalid; the message names the file, line and key path,
 * states the rule that was broken and the value that broke it.
 */
public class ShardlineConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ShardlineConfigException(String message) {
        super(message);
    }

    public ShardlineConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
