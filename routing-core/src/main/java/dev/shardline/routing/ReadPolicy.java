package dev.shardline.routing;

/** Where reads outside transactions go. */
public enum ReadPolicy {
    /** To a healthy, caught-up replica of the tenant's shard (round robin); to the primary if none. */
    REPLICA,
    /** Always to the primary. */
    PRIMARY
}
