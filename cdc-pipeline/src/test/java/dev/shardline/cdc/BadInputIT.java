package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shards unfit for CDC fail at start with the shard's name and the fix. */
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class BadInputIT {
    @TempDir
    Path dir;

    @Test
    void start_walLevelNotLogical_namesShardAndFix(PgCluster cluster) throws Exception {
        CdcFixture.createSchema(cluster);
        cluster.primary(1).execute("ALTER SYSTEM SET wal_level = replica");
        cluster.primary(1).stop();
        cluster.primary(1).start();
        try {
            assertStartFails(
                    cluster,
                    "wal",
                    "cdc shard-1 - wal_level is 'replica' but CDC needs 'logical'",
                    "wal_level = logical");
        } finally {
            cluster.primary(1).execute("ALTER SYSTEM RESET wal_level");
            cluster.primary(1).stop();
            cluster.primary(1).start();
        }
    }

    @Test
    void start_slotLimitReached_namesShardAndFix(PgCluster cluster) throws Exception {
        CdcFixture.createSchema(cluster);
        int free;
        try (Connection c = cluster.primary(0).connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots)")) {
            rs.next();
            free = rs.getInt(1);
        }
        for (int i = 0; i < free; i++)
            cluster.primary(0).execute("SELECT pg_create_physical_replication_slot('filler_" + i + "')");
        try {
            assertStartFails(
                    cluster, "full", "cdc shard-0 - all replication slots are in use", "raise max_replication_slots");
        } finally {
            for (int i = 0; i < free; i++)
                cluster.primary(0).execute("SELECT pg_drop_replication_slot('filler_" + i + "')");
        }
    }

    @Test
    void start_tableMissingOnShard_namesShardAndTable(PgCluster cluster) throws Exception {
        CdcFixture.createSchema(cluster);
        cluster.primary(1).execute("DROP TABLE IF EXISTS countries");
        try {
            assertStartFails(
                    cluster,
                    "missing",
                    "cdc shard-1 - table 'countries' listed in cdc.tables does not exist",
                    "run the migrations");
        } finally {
            CdcFixture.createSchema(cluster);
        }
    }

    @Test
    void start_shardUnreachable_namesShardAndFix(PgCluster cluster) throws Exception {
        CdcFixture.createSchema(cluster);
        Path yaml = CdcFixture.yaml(cluster, dir, "down", "postgres", "");
        String text = Files.readString(yaml).replace(":" + cluster.primary(1).port() + "/", ":1/");
        Files.writeString(yaml, text);
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        assertThatThrownBy(() -> CdcPipeline.builder(cfg, CdcConfig.fromYaml(cfg))
                        .build()
                        .start())
                .isInstanceOf(ShardlineCdcException.class)
                .hasMessageStartingWith("cdc shard-1 - cannot connect to jdbc:postgresql://127.0.0.1:1/")
                .hasMessageContaining("check the server is running");
    }

    private void assertStartFails(PgCluster cluster, String name, String start, String fix) {
        ShardlineConfig cfg = ShardlineConfig.fromYaml(CdcFixture.yaml(cluster, dir, name, "postgres", ""));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try {
            assertThatThrownBy(() -> CdcPipeline.builder(cfg, cdc).build().start())
                    .isInstanceOf(ShardlineCdcException.class)
                    .hasMessageStartingWith(start)
                    .hasMessageContaining(fix);
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }
}
