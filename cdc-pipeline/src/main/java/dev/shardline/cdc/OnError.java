package dev.shardline.cdc;

/** What the pipeline does when a sink keeps failing a batch (configured per sink under {@code cdc.onError}). */
public enum OnError {
    /** Retry the batch with backoff until the sink applies it; the shard does not advance meanwhile (the default). */
    HALT,
    /**
     * After a few failed attempts, retry the batch one change at a time and store each change the
     * sink still refuses, with its error, in the dead-letter table {@code shardline_cdc_deadletter}
     * of the analytics store; the shard then moves on and {@code /ready} reports it degraded.
     */
    DEADLETTER
}
