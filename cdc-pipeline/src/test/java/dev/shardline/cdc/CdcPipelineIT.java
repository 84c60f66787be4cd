package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.CacheConfig;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.RedissonCacheAside;
import dev.shardline.cache.SourcePosition;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.RedisServer;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.api.RedissonClient;

@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class CdcPipelineIT {
    private static final String ORDERS = "SELECT tenant_id, id, amount, note, version FROM orders";
    private static final String CUSTOMERS = "SELECT tenant_id, id, name FROM customers";

    @Test
    void start_snapshotThenChangesOnTwoShards_bothSinksEqualSource(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_basic");
        cluster.primary(0)
                .execute(
                        "INSERT INTO orders (tenant_id, id, amount, note) VALUES (1, 1, 10.50, 'before start'), (1, 2, 3.00, 'x')",
                        "INSERT INTO customers VALUES (1, 1, 'alice')",
                        "INSERT INTO countries VALUES ('fr', 'France')");
        cluster.primary(1)
                .execute(
                        "INSERT INTO orders (tenant_id, id, amount, note) VALUES (2, 1, 7.25, 'before start')",
                        "INSERT INTO customers VALUES (1, 2, 'bob')", // same id as on shard-0, another tenant
                        "INSERT INTO countries VALUES ('fr', 'France')");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(CdcFixture.yaml(cluster, dir, "basic", "analytics_basic", ""));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build();
                Connection pg = DriverManager.getConnection(
                        CdcFixture.analyticsUrl(cluster, "analytics_basic"), "postgres", "")) {
            p.start();
            try (Connection duck = p.openDuckDbReader()) {
                awaitEqual(cluster, duck, pg);
                assertThat(CdcFixture.rows(duck, CUSTOMERS)).containsExactly("1|1|alice", "2|1|bob");

                cluster.primary(0)
                        .execute(
                                "INSERT INTO orders (tenant_id, id, amount, note) VALUES (1, 3, 1.00, 'new')",
                                "UPDATE orders SET amount = 11.00, version = version + 1 WHERE tenant_id = 1 AND id = 1",
                                "DELETE FROM orders WHERE tenant_id = 1 AND id = 2",
                                "UPDATE countries SET name = 'République française' WHERE code = 'fr'");
                cluster.primary(1)
                        .execute(
                                "INSERT INTO orders (tenant_id, id, amount, note) VALUES (2, 2, 2.00, 'new')",
                                "DELETE FROM customers WHERE id = 1",
                                "UPDATE countries SET name = 'République française' WHERE code = 'fr'");
                awaitEqual(cluster, duck, pg);
                assertThat(CdcFixture.rows(duck, CUSTOMERS)).containsExactly("1|1|alice");
                assertThat(CdcFixture.rows(duck, "SELECT code, name FROM countries"))
                        .containsExactly("fr|République française");
                assertThat(CdcFixture.rows(duck, "SELECT tenant_id, _source_shard FROM orders WHERE id = 1"))
                        .containsExactly("1|shard-0", "2|shard-1");
                // Debezium's LastEvent metric names the table instead of rendering each change as JSON (its CPU).
                javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
                java.util.Set<javax.management.ObjectName> streaming = jmx.queryNames(
                        new javax.management.ObjectName("debezium.postgres:type=connector-metrics,context=streaming,*"),
                        null);
                assertThat(streaming).isNotEmpty();
                for (javax.management.ObjectName name : streaming) {
                    assertThat((String) jmx.getAttribute(name, "LastEvent"))
                            .as("LastEvent of %s", name)
                            .matches("public\\.[a-z_]+"); // a table (the heartbeat's too), never a rendered change
                }
            }
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    @Test
    void commit_charAndNumericKeyColumns_everySpellingOfTheKeyInvalidated(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        // CDC renders character(n) padded and numeric with the column's scale; an application builds its key from
        // the literal it was given ('ab', 5) or from what JDBC returned ('ab    ', 5.00). Both must be invalidated.
        cluster.executeOnPrimaries(
                "DROP TABLE IF EXISTS badges",
                "CREATE TABLE badges (tenant_code character(6) NOT NULL, id numeric(10,2) NOT NULL, label text, "
                        + "PRIMARY KEY (tenant_code, id))");
        cluster.primary(0).execute("INSERT INTO badges VALUES ('ab', 5, 'old')");
        Path yaml =
                cluster.writeShardlineYaml(dir.resolve("shardline.yaml"), """
            tables:
              sharded: { badges: tenant_code }
            cdc:
              name: spellings
              tables: [badges]
              snapshot: never
              offsets: { file: %s }
              invalidate:
                badges: { namespace: badge, tenant: tenant_code, id: id }
            """.formatted(dir.resolve("offsets.dat")));
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (RedisServer redis = RedisServer.start()) {
            RedissonClient client = RecordingInvalidator.client(redis.address());
            RedissonCacheAside cache = RedissonCacheAside.create(
                    "badges", client, CacheConfig.ofDefaults(), new ObjectMapper(), new SimpleMeterRegistry());
            try (CdcPipeline p =
                    CdcPipeline.builder(cfg, cdc).invalidator(cache).build()) {
                p.start();
                await().atMost(Duration.ofSeconds(30)).until(p::ready);
                List<CacheKey> spellings = List.of(
                        CacheKey.of("badge", "ab", 5),
                        CacheKey.of("badge", "ab", new java.math.BigDecimal("5.00")),
                        CacheKey.of("badge", "ab    ", 5),
                        CacheKey.of("badge", "ab    ", new java.math.BigDecimal("5.00")));
                for (CacheKey k : spellings) cache.put(k, "old");
                cluster.primary(0).execute("UPDATE badges SET label = 'new' WHERE tenant_code = 'ab' AND id = 5");
                for (CacheKey k : spellings) {
                    await("cache key " + k)
                            .atMost(Duration.ofSeconds(10))
                            .until(() -> cache.get(k, String.class, () -> "new").equals("new"));
                }
            } finally {
                cache.close();
                client.shutdown();
            }
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
            cluster.executeOnPrimaries("DROP TABLE IF EXISTS badges");
        }
    }

    @Test
    void commit_cachedKeysOnBothShards_invalidatedOnlyAfterCommit(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_cache");
        cluster.primary(0).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (7, 1, 1.00)");
        cluster.primary(1).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (107, 1, 1.00)");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(CdcFixture.yaml(
                cluster,
                dir,
                "cache",
                "analytics_cache",
                "  invalidate:\n    orders: { namespace: order, tenant: tenant_id, id: id }\n"));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (RedisServer redis = RedisServer.start()) {
            RedissonClient client = RecordingInvalidator.client(redis.address());
            RedissonCacheAside cache = RedissonCacheAside.create(
                    "orders", client, CacheConfig.ofDefaults(), new ObjectMapper(), new SimpleMeterRegistry());
            try (CdcPipeline p =
                    CdcPipeline.builder(cfg, cdc).invalidator(cache).build()) {
                p.start();
                await().atMost(Duration.ofSeconds(30)).until(p::ready);
                CacheKey shard0 = CacheKey.of("order", 7, 1);
                CacheKey shard1 = CacheKey.of("order", 107, 1);
                cache.put(shard0, "cached");
                cache.put(shard1, "cached");
                try (Connection c = cluster.primary(0).connect()) {
                    c.setAutoCommit(false);
                    c.createStatement().execute("UPDATE orders SET amount = 2.00 WHERE tenant_id = 7 AND id = 1");
                    Thread.sleep(300); // the engine polls every 10 ms: an uncommitted change must not reach the cache
                    assertThat(cache.get(shard0, String.class, () -> "reloaded"))
                            .isEqualTo("cached");
                    c.commit();
                }
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> cache.get(shard0, String.class, () -> "reloaded")
                                .equals("reloaded"));
                cluster.primary(1).execute("DELETE FROM orders WHERE tenant_id = 107 AND id = 1");
                await().atMost(Duration.ofSeconds(10))
                        .until(() ->
                                cache.get(shard1, String.class, () -> "gone").equals("gone"));
            } finally {
                cache.close();
                client.shutdown();
            }
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    /**
     * A TRUNCATE names no rows, so before this the cache sink skipped it and every cached value of
     * that table was served until its TTL, long after the commit. Now every key of the table's
     * namespace found in Redis is invalidated at the TRUNCATE's position, so neither a cached value
     * nor a load that read before the TRUNCATE survives it.
     */
    @Test
    void truncate_cachedKeysOfThatTable_invalidated_olderFillsRefused(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_truncate");
        cluster.primary(0)
                .execute("INSERT INTO orders (tenant_id, id, amount) VALUES (7, 1, 1.00), (7, 2, 1.00), (8, 1, 1.00)");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(CdcFixture.yaml(
                cluster,
                dir,
                "trunc",
                "analytics_truncate",
                "  invalidate:\n    orders: { namespace: order, tenant: tenant_id, id: id }\n"));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (RedisServer redis = RedisServer.start()) {
            RedissonClient client = RecordingInvalidator.client(redis.address());
            RedissonCacheAside cache = RedissonCacheAside.create(
                    "orders", client, CacheConfig.ofDefaults(), new ObjectMapper(), new SimpleMeterRegistry());
            try (CdcPipeline p =
                    CdcPipeline.builder(cfg, cdc).invalidator(cache).build()) {
                p.start();
                await().atMost(Duration.ofSeconds(30)).until(p::ready);
                List<CacheKey> keys =
                        List.of(CacheKey.of("order", 7, 1), CacheKey.of("order", 7, 2), CacheKey.of("order", 8, 1));
                // One key also carries version state from an earlier change. Its invalidation is first "commit not
                // seen" (fills refused) until a later batch reveals the commit; a fill from a read past the commit is
                // then taken.
                cluster.primary(0).execute("UPDATE orders SET amount = 2.00 WHERE tenant_id = 7 AND id = 2");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> client.getBucket("sl:order:{7}:2:v").isExists());
                long now;
                try (Connection c = cluster.primary(0).connect()) {
                    // A commit record of its own moves WAL past the UPDATE's commit on an otherwise idle server.
                    CdcFixture.rows(c, "SELECT txid_current()");
                    now = SourcePosition.parseLsn(CdcFixture.rows(c, "SELECT pg_current_wal_insert_lsn()::text")
                            .get(0));
                }
                // A later change (another key) makes the stream reveal the UPDATE's commit.
                cluster.primary(0).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (9, 9, 1.00)");
                assertThat(cache.put(keys.get(0), "cached")).isTrue();
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> cache.put(keys.get(1), "cached", new SourcePosition("shard-0", now)));
                assertThat(cache.put(keys.get(2), "cached")).isTrue();
                for (CacheKey k : keys)
                    assertThat(cache.get(k, String.class, () -> "reloaded"))
                            .as(k.toString())
                            .isEqualTo("cached");
                long before;
                try (Connection c = cluster.primary(0).connect()) {
                    before = SourcePosition.parseLsn(CdcFixture.rows(c, "SELECT pg_current_wal_lsn()::text")
                            .get(0));
                }
                cluster.primary(0).execute("TRUNCATE orders");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    for (CacheKey k : keys)
                        assertThat(cache.get(k, String.class, () -> "reloaded"))
                                .as(k.toString())
                                .isEqualTo("reloaded");
                });
                // A load that read before the TRUNCATE must not fill after it.
                for (CacheKey k : keys)
                    assertThat(cache.put(k, "stale", new SourcePosition("shard-0", before)))
                            .as(k.toString())
                            .isFalse();
            } finally {
                cache.close();
                client.shutdown();
            }
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    @Test
    void start_userAnalyticsChangelog_runsBeforeDerivedTables(PgCluster cluster, @TempDir Path dir) throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_user");
        Path changelog = dir.resolve("analytics.changelog.yaml");
        try (var in = getClass().getResourceAsStream("/analytics-user.changelog.yaml")) {
            java.nio.file.Files.copy(in, changelog);
        }
        Path yaml = CdcFixture.yaml(cluster, dir, "userlog", "analytics_user", "");
        java.nio.file.Files.writeString(
                yaml,
                java.nio.file.Files.readString(yaml)
                        .replace("username: postgres }", "username: postgres, changelog: \"" + changelog + "\" }"));
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        cluster.primary(1).execute("INSERT INTO orders (tenant_id, id, amount, note) VALUES (3, 1, 1.00, 'u')");
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build();
                Connection pg = DriverManager.getConnection(
                        CdcFixture.analyticsUrl(cluster, "analytics_user"), "postgres", "")) {
            p.start();
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(CdcFixture.rows(
                                    pg, "SELECT tenant_id, id, note, loaded_at IS NOT NULL FROM orders"))
                            .containsExactly("3|1|u|t"));
            // Shardline's own tables are plain DDL (OffsetsTable), not changesets of the user's changelog.
            assertThat(CdcFixture.rows(pg, "SELECT id FROM databasechangelog ORDER BY id"))
                    .containsExactly("analytics-orders-1");
            assertThat(CdcFixture.rows(pg, "SELECT to_regclass('shardline_cdc_offsets') IS NOT NULL"))
                    .containsExactly("t");
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    @Test
    void start_shardsSubset_streamsOnlyThoseShards(PgCluster cluster, @TempDir Path dir) throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_subset");
        cluster.primary(0).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (1, 1, 1)");
        cluster.primary(1).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (2, 1, 1)");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(CdcFixture.yaml(cluster, dir, "subset", "analytics_subset", ""));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (CdcPipeline p =
                        CdcPipeline.builder(cfg, cdc).shards(List.of("shard-1")).build();
                Connection pg = DriverManager.getConnection(
                        CdcFixture.analyticsUrl(cluster, "analytics_subset"), "postgres", "")) {
            p.start();
            assertThat(p.status()).containsOnlyKeys("shard-1");
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(CdcFixture.rows(pg, "SELECT tenant_id, _source_shard FROM orders"))
                            .containsExactly("2|shard-1"));
            cluster.primary(1).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (2, 2, 1)");
            cluster.primary(0).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (1, 2, 1)");
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(CdcFixture.rows(pg, "SELECT tenant_id, id FROM orders"))
                            .containsExactly("2|1", "2|2"));
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    private static void awaitEqual(PgCluster cluster, Connection duck, Connection pg) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    List<String> orders = CdcFixture.sourceRows(cluster, ORDERS);
                    List<String> customers = CdcFixture.sourceRows(cluster, CUSTOMERS);
                    assertThat(CdcFixture.rows(duck, ORDERS)).isEqualTo(orders);
                    assertThat(CdcFixture.rows(pg, ORDERS)).isEqualTo(orders);
                    assertThat(CdcFixture.rows(duck, CUSTOMERS)).isEqualTo(customers);
                    assertThat(CdcFixture.rows(pg, CUSTOMERS)).isEqualTo(customers);
                    List<String> countries;
                    try (Connection c = cluster.primary(0).connect()) {
                        countries = CdcFixture.rows(c, "SELECT code, name FROM countries");
                    }
                    assertThat(CdcFixture.rows(duck, "SELECT code, name FROM countries"))
                            .isEqualTo(countries);
                    assertThat(CdcFixture.rows(pg, "SELECT code, name FROM countries"))
                            .isEqualTo(countries);
                });
    }
}
