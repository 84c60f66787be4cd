package dev.shardline.cdc.spi;

import java.util.Optional;

/**
 * Receives every shard's changes at least once. {@link #apply} must have made the batch durable
 * when it returns; when it throws, the pipeline delivers the same batch again (after a backoff, or
 * after a restart) and no later batch of that shard reaches any sink meanwhile. Batches of
 * different shards may arrive concurrently; batches of one shard arrive in order, possibly again
 * after a crash, so a sink either is idempotent or remembers what it applied
 * ({@link #storesOffsets()}).
 *
 * <p>The pipeline calls the sinks of a batch in this order: cache invalidation, the application's
 * sinks in the order added, then the analytics sinks (which store the resume offset with their
 * rows). A batch reaches a sink only after every sink before it applied it, so the stored offset
 * never passes a batch some sink has not applied.
 */
public interface ChangeSink extends AutoCloseable {
    /** Returns a short name for logs and metrics, such as {@code duckdb}. */
    String name();

    /** Prepares the sink (connections, tables) before the first batch. */
    void open();

    /** Applies one batch durably; throws to make the shard's engine stop and retry from its last offset. */
    void apply(ChangeBatch batch);

    /**
     * True when this sink stores the connector offset with its data ({@link #storedOffset}); the
     * pipeline then resumes each shard from the oldest offset any such sink stored, and from the
     * start (snapshot) when one of them has none.
     */
    default boolean storesOffsets() {
        return false;
    }

    /**
     * Returns the connector offset this sink last stored for {@code shard} in the same transaction as
     * its rows, if it keeps offsets. The pipeline resumes each shard from the oldest such offset.
     */
    default Optional<StoredOffset> storedOffset(String shard) {
        return Optional.empty();
    }

    @Override
    void close();

    /** An offset a sink stored: the connector offset as JSON and the last streamed position it covers. */
    record StoredOffset(String offsetJson, Position position) {}
}
