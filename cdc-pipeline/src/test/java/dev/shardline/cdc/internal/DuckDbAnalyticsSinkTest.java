package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
