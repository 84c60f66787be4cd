package dev.shardline.routing;

import static dev.shardline.routing.RoutingFixture.direct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Auto-commit batches whose rows span shards: split per shard, written in parallel, one count per row. */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BulkBatchIT {
    private final PgCluster cluster;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private ShardlineDataSource ds;

    BulkBatchIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws Exception {
        // pgJDBC's reWriteBatchedInserts must keep working underneath Shardline's split.
        Path yaml = RoutingFixture.yaml(cluster, "");
        String text =
                Files.readString(yaml).replaceAll("(primary: jdbc:postgresql://\\S+)", "$1?reWriteBatchedInserts=true");
        Files.writeString(yaml, text);
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        ds = ShardlineDataSource.create(cfg, RoutingSettings.from(cfg.section("routing")), new SimpleMeterRegistry());
        RoutingFixture.createSchema(ds);
    }

    @AfterAll
    void tearDown() {
        ds.close();
    }

    private String tenantOn(int shard, String prefix) {
        for (int i = 0; ; i++) {
            String t = prefix + i;
            if (ds.config().buckets().shardIndexOf(t) == shard) return t;
        }
    }

    @Test
    void executeBatch_100kRowsOver100Tenants_everyRowOnItsTenantsShard() throws Exception {
        int rows = 100_000;
        int[] counts;
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
            for (int i = 0; i < rows; i++) {
                ps.setString(1, run + "-b" + (i % 100));
                ps.setLong(2, i);
                ps.setInt(3, i);
                ps.addBatch();
            }
            counts = ps.executeBatch();
        }
        assertThat(counts).hasSize(rows);
        // reWriteBatchedInserts answers SUCCESS_NO_INFO per row; a plain batch answers 1.
        for (int n : counts) assertThat(n).isIn(1, Statement.SUCCESS_NO_INFO);
        long total = 0;
        for (int shard = 0; shard < 2; shard++) {
            for (String t : direct(
                    cluster.primary(shard),
                    "SELECT DISTINCT tenant_id FROM orders WHERE tenant_id LIKE '" + run + "-b%'")) {
                assertThat(ds.config().buckets().shardIndexOf(t))
                        .as("tenant %s", t)
                        .isEqualTo(shard);
            }
            total += Long.parseLong(
                    direct(cluster.primary(shard), "SELECT count(*) FROM orders WHERE tenant_id LIKE '" + run + "-b%'")
                            .get(0));
        }
        assertThat(total).isEqualTo(rows);
    }

    @Test
    void executeBatch_oneShardFails_otherShardsRowsCommittedAndEveryRowReported() throws Exception {
        String failing = tenantOn(1, run + "-f");
        String fine = tenantOn(0, run + "-ok");
        try (Connection c = ds.getConnection()) {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + failing + "', 1, 0)");
            }
            BatchUpdateException e = null;
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
                // The failing shard's rows come first, so a serial split would stop before the other shard.
                for (long id = 1; id <= 3; id++) add(ps, failing, id);
                for (long id = 1; id <= 3; id++) add(ps, fine, id);
                try {
                    ps.executeBatch();
                } catch (BatchUpdateException thrown) {
                    e = thrown;
                }
            }
            assertThat((Object) e).as("executeBatch must throw").isNotNull();
            assertThat(e.getSQLState()).isEqualTo("23505");
            int[] counts = e.getUpdateCounts();
            assertThat(counts).hasSize(6);
            assertThat(counts[0]).isEqualTo(Statement.EXECUTE_FAILED);
            assertThat(new int[] {counts[3], counts[4], counts[5]}).containsOnly(1, Statement.SUCCESS_NO_INFO);
        }
        assertThat(rows(0, fine)).containsExactly("3");
    }

    @Test
    void executeBatch_tenantsOfBothShardsInterleaved_eachRowOnItsShardWithItsCount() throws Exception {
        String a = tenantOn(0, run + "-qia");
        String b = tenantOn(1, run + "-qib");
        String[] order = {a, b, b, a, b, a, a, b};
        int[] counts;
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
            for (int i = 0; i < order.length; i++) add(ps, order[i], i);
            counts = ps.executeBatch();
        }
        assertThat(counts).hasSize(order.length);
        for (int n : counts) assertThat(n).isIn(1, Statement.SUCCESS_NO_INFO);
        assertThat(direct(
                        cluster.primary(0),
                        "SELECT string_agg(id::text, ',' ORDER BY id) FROM orders WHERE tenant_id = '" + a + "'"))
                .containsExactly("0,3,5,6");
        assertThat(direct(
                        cluster.primary(1),
                        "SELECT string_agg(id::text, ',' ORDER BY id) FROM orders WHERE tenant_id = '" + b + "'"))
                .containsExactly("1,2,4,7");
        assertThat(rows(1, a)).containsExactly("0");
        assertThat(rows(0, b)).containsExactly("0");
    }

    @Test
    void executeBatch_nullTenantAfterRoutedRowsOfSameStatement_refusedAndNothingWritten() throws Exception {
        String a = tenantOn(0, run + "-qna");
        String b = tenantOn(1, run + "-qnb");
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
            add(ps, a, 1);
            add(ps, b, 1);
            add(ps, a, 2);
            ps.setNull(1, java.sql.Types.VARCHAR);
            ps.setLong(2, 3);
            ps.setInt(3, 1);
            ps.addBatch();
            assertThatThrownBy(ps::executeBatch).isInstanceOf(InvalidTenantValueException.class);
        }
        assertNoRows(a, b);
    }

    @Test
    void executeBatch_rowOfAnotherTenantInsideTenantContext_refusedAndNothingWritten() throws Exception {
        String a = tenantOn(0, run + "-qca");
        String b = tenantOn(1, run + "-qcb");
        Tenants.run(a, () -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps =
                            c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
                add(ps, a, 1);
                add(ps, a, 2);
                add(ps, b, 3);
                assertThatThrownBy(ps::executeBatch)
                        .isInstanceOf(CrossShardException.class)
                        .extracting(e -> ((java.sql.SQLException) e).getSQLState())
                        .isEqualTo(SqlStates.TENANT_MISMATCH);
                // The context tenant's own rows still go through once the stray row is gone.
                add(ps, a, 4);
                assertSucceeded(ps.executeBatch(), 1);
            }
        });
        assertThat(rows(0, a)).containsExactly("1");
        assertThat(rows(1, b)).containsExactly("0");
    }

    @Test
    void executeBatch_tenantsOfBothShardsInTransaction_refusedAndNothingWritten() throws Exception {
        String a = tenantOn(0, run + "-qta");
        String b = tenantOn(1, run + "-qtb");
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
                for (long id = 1; id <= 3; id++) add(ps, a, id);
                add(ps, b, 1);
                assertThatThrownBy(ps::executeBatch)
                        .isInstanceOf(CrossShardException.class)
                        .extracting(e -> ((java.sql.SQLException) e).getSQLState())
                        .isEqualTo(SqlStates.CROSS_SHARD_TRANSACTION);
            }
            c.rollback();
        }
        assertNoRows(a, b);
    }

    @Test
    void executeBatch_rowFailsToBindOnOneShard_nothingWrittenAndNoRowLeftForTheNextBatch() throws Exception {
        String a = tenantOn(0, run + "-qba");
        String b = tenantOn(1, run + "-qbb");
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
            for (long id = 1; id <= 3; id++) add(ps, a, id);
            for (long id = 1; id <= 2; id++) add(ps, b, id);
            // pgJDBC cannot bind an arbitrary object; the failure comes while the shard's batch is filled.
            ps.setString(1, b);
            ps.setLong(2, 3);
            ps.setObject(3, new Object());
            ps.addBatch();
            assertThatThrownBy(ps::executeBatch)
                    .isInstanceOf(java.sql.SQLException.class)
                    .isNotInstanceOf(BatchUpdateException.class);
            assertNoRows(a, b);
            // Nothing of the failed batch rides along with the next one, on either shard.
            add(ps, a, 10);
            add(ps, b, 10);
            assertSucceeded(ps.executeBatch(), 2);
        }
        assertThat(direct(
                        cluster.primary(0),
                        "SELECT string_agg(id::text, ',') FROM orders WHERE tenant_id = '" + a + "'"))
                .containsExactly("10");
        assertThat(direct(
                        cluster.primary(1),
                        "SELECT string_agg(id::text, ',') FROM orders WHERE tenant_id = '" + b + "'"))
                .containsExactly("10");
    }

    private static void assertSucceeded(int[] counts, int rows) {
        assertThat(counts).hasSize(rows);
        for (int n : counts) assertThat(n).isIn(1, Statement.SUCCESS_NO_INFO);
    }

    private void assertNoRows(String... tenants) throws Exception {
        for (int shard = 0; shard < 2; shard++) {
            for (String t : tenants) {
                assertThat(rows(shard, t))
                        .as("rows of %s on shard %d", t, shard)
                        .containsExactly("0");
            }
        }
    }

    /** The count of {@code tenant}'s rows on {@code shard}, read directly from that shard's primary. */
    private java.util.List<String> rows(int shard, String tenant) throws Exception {
        return direct(cluster.primary(shard), "SELECT count(*) FROM orders WHERE tenant_id = '" + tenant + "'");
    }

    private static void add(PreparedStatement ps, String tenant, long id) throws Exception {
        ps.setString(1, tenant);
        ps.setLong(2, id);
        ps.setInt(3, 1);
        ps.addBatch();
    }
}
