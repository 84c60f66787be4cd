package dev.shardline.cdc.spi;

import java.util.List;
import java.util.Objects;

/**
 * The changes one shard's engine delivered in one poll, in stream order, plus the connector offset
 * to resume after them. A batch may hold no changes (heartbeats only) and still move the offset.
 *
 * @param shard the shard the batch came from
 * @param events the row changes, in commit order
 * @param offsetJson the Debezium source offset after the last record, as JSON
 * @param offsetPosition the stream position the offset describes
 * @param snapshotOffset true while the offset is inside the initial snapshot
 */
public record ChangeBatch(
        String shard, List<ChangeEvent> events, String offsetJson, Position offsetPosition, boolean snapshotOffset) {
    public ChangeBatch {
        Objects.requireNonNull(shard, "shard");
        events = List.copyOf(events);
        Objects.requireNonNull(offsetJson, "offsetJson");
        Objects.requireNonNull(offsetPosition, "offsetPosition");
    }
}
