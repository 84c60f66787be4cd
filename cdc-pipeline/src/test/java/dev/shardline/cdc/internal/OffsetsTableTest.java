package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.cdc.spi.ChangeSink;
import dev.shardline.cdc.spi.Position;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one definition of the offsets table, on DuckDB (the PostgreSQL store runs the same statements in the ITs). */
class OffsetsTableTest {
    @Test
    void write_sameShardTwice_keepsOneRowWithTheLaterOffset() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            OffsetsTable.create(c);
            OffsetsTable.create(c); // idempotent: every open creates it if missing
            OffsetsTable.write(c, "shard-0", new Position(10, 11), "{\"lsn\":11}");
            OffsetsTable.write(c, "shard-1", new Position(5, 5), "{\"lsn\":5}");
            OffsetsTable.write(c, "shard-0", new Position(20, 21), "{\"lsn\":21}");
            Map<String, ChangeSink.StoredOffset> read = OffsetsTable.read(c);
            assertThat(read).hasSize(2);
            assertThat(read.get("shard-0").position()).isEqualTo(new Position(20, 21));
            assertThat(read.get("shard-0").offsetJson()).isEqualTo("{\"lsn\":21}");
            OffsetsTable.delete(c, "shard-0");
            assertThat(OffsetsTable.read(c)).containsOnlyKeys("shard-1");
        }
    }
}
