package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.Position;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuckDbAnalyticsSinkTest {
    private static final SourceTable ORDERS = new SourceTable("orders", columns(), List.of("id"), "tenant_id");

    private static Map<String, String> columns() {
        Map<String, String> cols = new LinkedHashMap<>();
        cols.put("tenant_id", "bigint");
        cols.put("id", "bigint");
        cols.put("amount", "numeric(12,2)");
        return cols;
    }

    @TempDir
    Path dir;

    @Test
    void apply_upsertsAndDeletes_keyedByTenantAndId() throws Exception {
        try (DuckDbAnalyticsSink sink = open()) {
            sink.apply(batch(
                    "shard-0",
                    new Position(1, 10),
                    up("shard-0", 1, 1, "1.00", 1, 10),
                    up("shard-0", 1, 2, "2.00", 1, 11)));
            sink.apply(batch("shard-1", new Position(1, 10), up("shard-1", 2, 1, "5.00", 1, 10)));
            sink.apply(batch(
                    "shard-0", new Position(2, 20), up("shard-0", 1, 1, "1.50", 2, 20), del("shard-0", 1, 2, 2, 21)));
            assertThat(rows(sink)).containsExactly("1|1|1.50|shard-0", "2|1|5.00|shard-1");
        }
    }

    @Test
    void apply_replayedBatchAfterReopen_isSkipped() throws Exception {
        try (DuckDbAnalyticsSink sink = open()) {
            sink.apply(batch("shard-0", new Position(1, 10), up("shard-0", 1, 1, "1.00", 1, 10)));
            sink.apply(batch("shard-0", new Position(2, 20), up("shard-0", 1, 1, "2.00", 2, 20)));
        }
        try (DuckDbAnalyticsSink sink = open()) {
            assertThat(sink.storedOffset("shard-0"))
                    .get()
                    .extracting(o -> o.position())
                    .isEqualTo(new Position(2, 20));
            // the older change arrives again after a crash: it must not regress the row
            sink.apply(batch("shard-0", new Position(1, 10), up("shard-0", 1, 1, "1.00", 1, 10)));
            assertThat(rows(sink)).containsExactly("1|1|2.00|shard-0");
            assertThat(sink.storedOffset("shard-0"))
                    .get()
                    .extracting(o -> o.position())
                    .isEqualTo(new Position(2, 20));
        }
    }

    @Test
    void apply_deleteFromShardThatNoLongerOwnsRow_keepsRow() throws Exception {
        try (DuckDbAnalyticsSink sink = open()) {
            sink.apply(batch("shard-0", new Position(1, 10), up("shard-0", 7, 1, "1.00", 1, 10)));
            sink.apply(batch(
                    "shard-1", new Position(1, 10), up("shard-1", 7, 1, "1.00", 1, 10))); // tenant 7 copied to shard-1
            sink.apply(
                    batch("shard-0", new Position(2, 20), del("shard-0", 7, 1, 2, 20))); // old copy removed on shard-0
            assertThat(rows(sink)).containsExactly("7|1|1.00|shard-1");
        }
    }

    @Test
    void apply_batchAboveKeyedDeleteLimit_mergesLikeSmallBatches() throws Exception {
        int n = DuckDbAnalyticsSink.KEYED_DELETE_MAX + 4;
        try (DuckDbAnalyticsSink sink = open()) {
            List<ChangeEvent> first = new ArrayList<>();
            for (int id = 1; id <= n; id++) first.add(up("shard-0", 1, id, "1.00", 1, 10 + id));
            sink.apply(batch("shard-0", new Position(1, 100), first.toArray(ChangeEvent[]::new)));
            sink.apply(batch(
                    "shard-1",
                    new Position(1, 10),
                    up("shard-1", 1, 1, "9.00", 1, 10))); // key (1,1) now owned by shard-1
            List<ChangeEvent> second = new ArrayList<>();
            second.add(del("shard-0", 1, 1, 2, 200)); // shard-0 no longer owns (1,1): its delete keeps shard-1's row
            second.add(del("shard-0", 1, 2, 2, 201));
            for (int id = 3; id <= n; id++) second.add(up("shard-0", 1, id, "2.00", 2, 200 + id));
            sink.apply(batch("shard-0", new Position(2, 300), second.toArray(ChangeEvent[]::new)));
            List<String> rows = rows(sink);
            assertThat(rows)
                    .hasSize(n - 1)
                    .contains("1|1|9.00|shard-1", "1|3|2.00|shard-0")
                    .doesNotContain("1|2|1.00|shard-0");
        }
    }

    @Test
    void apply_fixedWidthColumns_stagedTypedRoundTripExactly() throws Exception {
        Map<String, String> cols = new LinkedHashMap<>();
        cols.put("tenant_id", "bigint");
        cols.put("id", "bigint");
        cols.put("s", "smallint");
        cols.put("i", "integer");
        cols.put("r", "real");
        cols.put("d", "double precision");
        cols.put("f", "boolean");
        cols.put("n", "numeric");
        SourceTable kinds = new SourceTable("kinds", cols, List.of("id"), "tenant_id");
        // The text RecordConverter makes of each Java value Debezium hands over.
        String[][] values = {
            {"1", "9223372036854775807", "-32768", "-2147483648", "1.4E-45", "4.9E-324", "true", "1E+400"},
            {"1", "-9223372036854775808", "32767", "2147483647", "NaN", "-Infinity", "false", "-0.000001"},
            {"2", "3", null, null, "-0.0", "1.7976931348623157E308", null, null},
        };
        try (DuckDbAnalyticsSink sink = new DuckDbAnalyticsSink(dir.resolve("k.duckdb"), Map.of("kinds", kinds))) {
            sink.open();
            List<ChangeEvent> events = new ArrayList<>();
            for (int r = 0; r < values.length; r++) {
                Map<String, String> row = new LinkedHashMap<>();
                int c = 0;
                for (String col : cols.keySet()) row.put(col, values[r][c++]);
                events.add(new ChangeEvent(
                        "shard-0",
                        "kinds",
                        ChangeEvent.Op.UPSERT,
                        row,
                        kinds.sinkKey(),
                        new Position(1, 10 + r),
                        false,
                        0));
            }
            sink.apply(new ChangeBatch("shard-0", events, "{\"lsn\":20}", new Position(1, 20), false));
            try (Connection c = sink.openReader();
                    Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT id, s, i, r, d, f, CAST(n AS VARCHAR) FROM kinds ORDER BY id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(Long.MIN_VALUE);
                assertThat(rs.getShort(2)).isEqualTo((short) 32767);
                assertThat(rs.getInt(3)).isEqualTo(Integer.MAX_VALUE);
                assertThat(rs.getFloat(4)).isNaN();
                assertThat(rs.getDouble(5)).isEqualTo(Double.NEGATIVE_INFINITY);
                assertThat(rs.getBoolean(6)).isFalse();
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(3);
                assertThat(rs.getObject(2)).isNull();
                assertThat(rs.getObject(3)).isNull();
                assertThat(Float.floatToIntBits(rs.getFloat(4))).isEqualTo(Float.floatToIntBits(-0.0f));
                assertThat(rs.getDouble(5)).isEqualTo(Double.MAX_VALUE);
                assertThat(rs.getObject(6)).isNull();
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(Long.MAX_VALUE);
                assertThat(rs.getShort(2)).isEqualTo(Short.MIN_VALUE);
                assertThat(rs.getInt(3)).isEqualTo(Integer.MIN_VALUE);
                assertThat(rs.getFloat(4)).isEqualTo(Float.MIN_VALUE);
                assertThat(rs.getDouble(5)).isEqualTo(Double.MIN_VALUE);
                assertThat(rs.getBoolean(6)).isTrue();
                assertThat(rs.getString(7)).isEqualTo("inf"); // numeric stays text: DuckDB's cast decides
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void apply_valueNotOfItsStagedType_failsTheBatchAsACastWould() throws Exception {
        try (DuckDbAnalyticsSink sink = open()) {
            ChangeEvent bad = new ChangeEvent(
                    "shard-0",
                    "orders",
                    ChangeEvent.Op.UPSERT,
                    Map.of("tenant_id", "1", "id", "12345678901234567890", "amount", "1.00"),
                    ORDERS.sinkKey(),
                    new Position(1, 10),
                    false,
                    0);
            assertThatThrownBy(() -> sink.apply(batch("shard-0", new Position(1, 10), bad)))
                    .isInstanceOf(ShardlineCdcException.class)
                    .hasMessageContaining("cdc sink duckdb - batch of shard-0 failed")
                    .hasMessageContaining("'12345678901234567890' of orders.id is not a BIGINT");
            // The batch left nothing behind; the next one applies.
            sink.apply(batch("shard-0", new Position(1, 10), up("shard-0", 1, 1, "1.00", 1, 10)));
            assertThat(rows(sink)).containsExactly("1|1|1.00|shard-0");
        }
    }

    private DuckDbAnalyticsSink open() {
        DuckDbAnalyticsSink sink = new DuckDbAnalyticsSink(dir.resolve("a.duckdb"), Map.of("orders", ORDERS));
        sink.open();
        return sink;
    }

    private static List<String> rows(DuckDbAnalyticsSink sink) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = sink.openReader();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT tenant_id, id, amount, _source_shard FROM orders ORDER BY tenant_id, id")) {
            while (rs.next())
                out.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4));
        }
        return out;
    }

    private static ChangeBatch batch(String shard, Position p, ChangeEvent... events) {
        return new ChangeBatch(shard, List.of(events), "{\"lsn\":" + p.lsn() + "}", p, false);
    }

    private static ChangeEvent up(String shard, long tenant, long id, String amount, long commit, long lsn) {
        return new ChangeEvent(
                shard,
                "orders",
                ChangeEvent.Op.UPSERT,
                row(tenant, id, amount),
                ORDERS.sinkKey(),
                new Position(commit, lsn),
                false,
                0);
    }

    private static ChangeEvent del(String shard, long tenant, long id, long commit, long lsn) {
        return new ChangeEvent(
                shard,
                "orders",
                ChangeEvent.Op.DELETE,
                row(tenant, id, null),
                ORDERS.sinkKey(),
                new Position(commit, lsn),
                false,
                0);
    }

    private static Map<String, String> row(long tenant, long id, String amount) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("tenant_id", Long.toString(tenant));
        m.put("id", Long.toString(id));
        m.put("amount", amount);
        return m;
    }
}
