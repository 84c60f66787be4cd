package dev.shardline.migrations;

/** Told when each shard starts and finishes, for a progress display. */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {};

    default void started(String shard) {}

    default void finished(ShardResult result) {}
}
