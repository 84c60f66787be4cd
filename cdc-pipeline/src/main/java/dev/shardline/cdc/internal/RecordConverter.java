package dev.shardline.cdc.internal;

import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.Position;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns Debezium's Kafka Connect records into {@link ChangeEvent}s whose values are text that
 * PostgreSQL and DuckDB cast back to the column type.
 */
final class RecordConverter {
    /** What Debezium puts in place of an unchanged TOASTed value PostgreSQL did not log ({@code unavailable.value.placeholder}). */
    static final String UNAVAILABLE = "__debezium_unavailable_value";

    private static final ByteBuffer UNAVAILABLE_BYTES =
            ByteBuffer.wrap(UNAVAILABLE.getBytes(java.nio.charset.StandardCharsets.UTF_8));

    private final String shard;
    private final Map<String, SourceTable> tables;

    RecordConverter(String shard, Map<String, SourceTable> tables) {
        this.shard = shard;
        this.tables = tables;
    }

    /** Returns the change in {@code r}, or {@code null} for records that carry no row (heartbeats, tombstones). */
    ChangeEvent convert(SourceRecord r) {
        if (!(r.value() instanceof Struct value) || value.schema().field("op") == null) return null;
        Struct source = value.getStruct("source");
        SourceTable table = tables.get(source.getString("table"));
        if (table == null) return null;
        String op = value.getString("op");
        Long ts = source.getInt64("ts_ms");
        if ("t".equals(op)) {
            return new ChangeEvent(
                    shard,
                    table.name(),
                    ChangeEvent.Op.TRUNCATE,
                    Map.of(),
                    java.util.List.of(),
                    position(r.sourceOffset()),
                    false,
                    ts == null ? 0 : ts);
        }
        boolean delete = "d".equals(op);
        Struct image = delete ? value.getStruct("before") : value.getStruct("after");
        Map<String, String> row = new LinkedHashMap<>();
        Set<String> unchanged = new HashSet<>();
        Struct before = delete ? null : value.getStruct("before");
        if (image != null) {
            for (Field f : image.schema().fields()) {
                Object v = image.get(f);
                if (isUnavailable(v)) {
                    // An unchanged TOASTed value: take it from the before image when the table logs full rows
                    // (REPLICA IDENTITY FULL), else leave it out and let each sink keep its current value.
                    Field old = before == null ? null : before.schema().field(f.name());
                    Object ov = old == null ? null : before.get(old);
                    if (old != null && !isUnavailable(ov)) {
                        row.put(f.name(), render(ov, old.schema()));
                    } else {
                        unchanged.add(f.name());
                    }
                    continue;
                }
                row.put(f.name(), render(v, f.schema()));
            }
        }
        if (delete && image == null && r.key() instanceof Struct key) {
            for (Field f : key.schema().fields()) row.put(f.name(), render(key.get(f), f.schema()));
        }
        boolean snapshot = "r".equals(op);
        Long tsMs = source.getInt64("ts_ms");
        return new ChangeEvent(
                shard,
                table.name(),
                delete ? ChangeEvent.Op.DELETE : ChangeEvent.Op.UPSERT,
                row,
                table.sinkKey(),
                position(r.sourceOffset()),
                snapshot,
                tsMs == null ? 0 : tsMs,
                unchanged);
    }

    static boolean isUnavailable(Object v) {
        if (v instanceof String s) return s.equals(UNAVAILABLE);
        if (v instanceof ByteBuffer b) return b.equals(UNAVAILABLE_BYTES);
        if (v instanceof byte[] b) return ByteBuffer.wrap(b).equals(UNAVAILABLE_BYTES);
        if (v instanceof java.util.List<?> l) return l.size() == 1 && isUnavailable(l.get(0));
        return false;
    }

    /** Returns the stream position an offset map describes. */
    static Position position(Map<String, ?> offset) {
        return new Position(asLong(offset.get("lsn_commit"), 0), asLong(offset.get("lsn"), 0));
    }

    static boolean isSnapshotOffset(Map<String, ?> offset) {
        Object s = offset.get("snapshot");
        return s != null && !"false".equalsIgnoreCase(s.toString());
    }

    private static long asLong(Object o, long fallback) {
        return o instanceof Number n ? n.longValue() : fallback;
    }

    static String render(Object v, Schema schema) {
        if (v == null) return null;
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case "io.debezium.time.Date":
                    return LocalDate.ofEpochDay(((Number) v).longValue()).toString();
                case "io.debezium.time.MicroTimestamp":
                    return Instant.EPOCH
                            .plusNanos(((Number) v).longValue() * 1000)
                            .atOffset(ZoneOffset.UTC)
                            .toLocalDateTime()
                            .toString();
                case "io.debezium.time.Timestamp":
                    return Instant.ofEpochMilli(((Number) v).longValue())
                            .atOffset(ZoneOffset.UTC)
                            .toLocalDateTime()
                            .toString();
                case "io.debezium.time.NanoTimestamp":
                    return Instant.EPOCH
                            .plusNanos(((Number) v).longValue())
                            .atOffset(ZoneOffset.UTC)
                            .toLocalDateTime()
                            .toString();
                case "io.debezium.time.MicroTime":
                    return LocalTime.ofNanoOfDay(((Number) v).longValue() * 1000)
                            .toString();
                default:
                    break;
            }
        }
        if (v instanceof ByteBuffer b) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            return "\\x" + HexFormat.of().formatHex(bytes);
        }
        if (v instanceof byte[] bytes) return "\\x" + HexFormat.of().formatHex(bytes);
        return v.toString();
    }
}
