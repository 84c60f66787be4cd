package dev.shardline.cdc.spi;

import java.util.Optional;

/**
 * Receives every shard's changes. {@link #apply} must have made the batch durable when it returns:
 * the pipeline commits the connector offset only after every sink returned. Batches of different
 * shards may arrive concurrently; batches of one shard arrive in order, possibly again after a
 * crash (at-least-once), so a sink either is idempotent or remembers what it applied.
 */
public interface ChangeSink extends AutoCloseable {
  /** Returns a short name for logs and metrics, such as {@code duckdb}. */
  String name();

  /** Prepares the sink (connections, tables) before the first batch. */
  void open();

  /** Applies one batch durably; throws to make the shard's engine stop and retry from its last offset. */
  void apply(ChangeBatch batch);

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
