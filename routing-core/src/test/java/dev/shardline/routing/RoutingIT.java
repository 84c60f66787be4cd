package dev.shardline.routing;

import static dev.shardline.routing.RoutingFixture.direct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@WithPgCluster(primaries = 2, replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutingIT {
    private final PgCluster cluster;
    private ShardlineDataSource ds;
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    RoutingIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        ds = RoutingFixture.dataSource(cluster);
        RoutingFixture.createSchema(ds);
    }

    @AfterAll
    void tearDown() {
        ds.close();
    }

    private String tenant(int i) {
        return run + "-t" + i;
    }

    private void insert(Connection c, String tenant, long id, int amount) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
            ps.setString(1, tenant);
            ps.setLong(2, id);
            ps.setInt(3, amount);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static boolean servedByReplica(Connection c, String tenant) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT pg_is_in_recovery() FROM orders WHERE tenant_id = ? LIMIT 1")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    @Test
    void insert_manyTenants_eachRowOnTheShardTheBucketMapNames() throws SQLException {
        try (Connection c = ds.getConnection()) {
            for (int i = 0; i < 200; i++) insert(c, tenant(i), i, i);
        }
        for (int shard = 0; shard < 2; shard++) {
            List<String> onShard = direct(
                    cluster.primary(shard), "SELECT tenant_id FROM orders WHERE tenant_id LIKE '" + run + "-t%'");
            for (String t : onShard)
                assertThat(ds.config().buckets().shardIndexOf(t))
                        .as("tenant %s on shard %d", t, shard)
                        .isEqualTo(shard);
            assertThat(onShard).isNotEmpty();
        }
        assertThat(direct(cluster.primary(0), "SELECT count(*) FROM orders WHERE tenant_id LIKE '" + run + "-t%'")
                        .get(0))
                .isNotEqualTo("200");
    }

    @Test
    void insert_pinnedTenant_goesToPinnedShard() throws SQLException {
        try (Connection c = ds.getConnection()) {
            insert(c, "pinned-tenant", System.nanoTime(), 1);
        }
        assertThat(direct(cluster.primary(1), "SELECT count(*) FROM orders WHERE tenant_id = 'pinned-tenant'")
                        .get(0))
                .isNotEqualTo("0");
        assertThat(direct(cluster.primary(0), "SELECT count(*) FROM orders WHERE tenant_id = 'pinned-tenant'")
                        .get(0))
                .isEqualTo("0");
    }

    @Test
    void read_outsideTransaction_servedByReplicaOnceCaughtUp() throws Exception {
        String t = tenant(1000);
        try (Connection c = ds.getConnection()) {
            insert(c, t, 1, 10);
        }
        cluster.awaitReplication(Duration.ofSeconds(10));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Connection c = ds.getConnection()) {
                return servedByReplica(c, t);
            }
        });
    }

    @Test
    void read_rightAfterWrite_seesTheWrite() throws SQLException {
        for (int i = 0; i < 50; i++) {
            String t = tenant(2000 + i);
            try (Connection c = ds.getConnection()) {
                insert(c, t, i, i);
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT amount FROM orders WHERE tenant_id = ? AND id = ?")) {
                    ps.setString(1, t);
                    ps.setLong(2, i);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).as("read-your-writes for %s", t).isTrue();
                        assertThat(rs.getInt(1)).isEqualTo(i);
                    }
                }
            }
        }
    }

    @Test
    void transaction_readsAndWrites_onPrimary() throws SQLException {
        String t = tenant(3000);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            insert(c, t, 1, 5);
            assertThat(servedByReplica(c, t)).isFalse();
            c.commit();
        }
    }

    @Test
    void transaction_secondShard_rejectedNothingCommitted() throws SQLException {
        String a = tenant(4000);
        String b = null;
        for (int i = 4001; b == null; i++) {
            if (ds.config().buckets().shardIndexOf(tenant(i))
                    != ds.config().buckets().shardIndexOf(a)) b = tenant(i);
        }
        String other = b;
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            insert(c, a, 1, 1);
            assertThatThrownBy(() -> insert(c, other, 1, 1))
                    .isInstanceOf(CrossShardException.class)
                    .hasMessageContaining("a transaction must stay on one shard")
                    .satisfies(e ->
                            assertThat(((SQLException) e).getSQLState()).isEqualTo(SqlStates.CROSS_SHARD_TRANSACTION));
            c.rollback();
        }
        assertThat(direct(
                                        cluster.primary(0),
                                        "SELECT count(*) FROM orders WHERE tenant_id IN ('" + a + "','" + other + "')")
                                .get(0)
                        + direct(
                                        cluster.primary(1),
                                        "SELECT count(*) FROM orders WHERE tenant_id IN ('" + a + "','" + other + "')")
                                .get(0))
                .isEqualTo("00");
    }

    @Test
    void statement_withoutTenant_rejectedNamingTableAndFix() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM orders WHERE id = 1"))
                    .isInstanceOf(TenantRequiredException.class)
                    .hasMessageContaining("reference to orders")
                    .hasMessageContaining("orders.tenant_id = ?")
                    .hasMessageContaining("Tenants.run");
            assertThatThrownBy(() -> s.executeUpdate("UPDATE orders SET amount = 0"))
                    .isInstanceOf(TenantRequiredException.class);
        }
    }

    @Test
    void tenantContext_routesUnkeyedStatement_andRejectsOtherTenant() throws Exception {
        String t = tenant(5000);
        try (Connection c = ds.getConnection()) {
            insert(c, t, 7, 70);
        }
        Integer amount = Tenants.call(t, () -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps =
                            c.prepareStatement("UPDATE orders SET amount = amount + 1 WHERE id = ? RETURNING amount")) {
                ps.setLong(1, 7);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
        assertThat(amount).isEqualTo(71);
        assertThatThrownBy(() -> Tenants.call(t, () -> {
                    try (Connection c = ds.getConnection();
                            Statement s = c.createStatement()) {
                        return s.executeQuery("SELECT * FROM orders WHERE tenant_id = 'someone-else'");
                    }
                }))
                .isInstanceOf(CrossShardException.class)
                .hasMessageContaining("someone-else");
    }

    @Test
    void ddl_broadcast_reachesEveryShard_andBroadcastWritesToo() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate(
                    "INSERT INTO currencies (code, name) VALUES ('X" + run + "', 'test') ON CONFLICT DO NOTHING");
            try (ResultSet rs = s.executeQuery("SELECT name FROM currencies WHERE code = 'X" + run + "'")) {
                assertThat(rs.next()).isTrue();
            }
        }
        for (int shard = 0; shard < 2; shard++) {
            assertThat(direct(cluster.primary(shard), "SELECT count(*) FROM currencies WHERE code = 'X" + run + "'")
                            .get(0))
                    .isEqualTo("1");
            assertThat(direct(cluster.primary(shard), "SELECT count(*) FROM pg_tables WHERE tablename = 'order_items'")
                            .get(0))
                    .isEqualTo("1");
        }
    }

    @Test
    void batch_autocommit_rowsGroupedPerShard_countsInOrder() throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
            for (int i = 0; i < 40; i++) {
                ps.setString(1, tenant(6000 + i));
                ps.setLong(2, i);
                ps.setInt(3, i);
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            assertThat(counts).hasSize(40).containsOnly(1);
        }
        int total = 0;
        for (int shard = 0; shard < 2; shard++) {
            total += Integer.parseInt(direct(
                            cluster.primary(shard),
                            "SELECT count(*) FROM orders WHERE tenant_id LIKE '" + run + "-t60%'")
                    .get(0));
        }
        assertThat(total).isEqualTo(40);
    }

    @Test
    void batch_inTransactionAcrossShards_rejectedBeforeRunning() throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)")) {
            c.setAutoCommit(false);
            for (int i = 0; i < 20; i++) {
                ps.setString(1, tenant(7000 + i));
                ps.setLong(2, i);
                ps.setInt(3, i);
                ps.addBatch();
            }
            assertThatThrownBy(ps::executeBatch)
                    .isInstanceOf(CrossShardException.class)
                    .hasMessageContaining("nothing was executed");
            c.rollback();
        }
    }

    @Test
    void serializationFailure_keepsPostgresSqlState() throws Exception {
        String t = tenant(8000);
        try (Connection c = ds.getConnection()) {
            insert(c, t, 1, 1);
        }
        try (Connection a = ds.getConnection();
                Connection b = ds.getConnection()) {
            for (Connection c : List.of(a, b)) {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            }
            String read = "SELECT amount FROM orders WHERE tenant_id = ? AND id = 1";
            String write = "UPDATE orders SET amount = amount + 1 WHERE tenant_id = ? AND id = 1";
            for (Connection c : List.of(a, b)) {
                try (PreparedStatement ps = c.prepareStatement(read)) {
                    ps.setString(1, t);
                    ps.executeQuery().close();
                }
            }
            try (PreparedStatement ps = a.prepareStatement(write)) {
                ps.setString(1, t);
                ps.executeUpdate();
            }
            a.commit();
            assertThatThrownBy(() -> {
                        try (PreparedStatement ps = b.prepareStatement(write)) {
                            ps.setString(1, t);
                            ps.executeUpdate();
                        }
                    })
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("40001"));
            b.rollback();
        }
    }

    @Test
    void deadlock_keepsPostgresSqlState40P01() throws Exception {
        String t = tenant(8500);
        try (Connection c = ds.getConnection()) {
            insert(c, t, 1, 1);
            insert(c, t, 2, 2);
        }
        String lock = "UPDATE orders SET amount = amount + 1 WHERE tenant_id = ? AND id = ?";
        try (Connection a = ds.getConnection();
                Connection b = ds.getConnection()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            update(a, lock, t, 1);
            update(b, lock, t, 2);
            java.util.concurrent.CompletableFuture<Void> first = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    update(a, lock, t, 2);
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            SQLException seen = null;
            try {
                update(b, lock, t, 1);
            } catch (SQLException e) {
                seen = e;
            }
            try {
                first.join();
            } catch (java.util.concurrent.CompletionException e) {
                seen = (SQLException) e.getCause();
            }
            assertThat((Throwable) seen)
                    .as("one side is chosen as the deadlock victim")
                    .isNotNull();
            assertThat(seen.getSQLState()).isEqualTo("40P01");
            a.rollback();
            b.rollback();
        }
    }

    private static void update(Connection c, String sql, String tenant, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tenant);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    @Test
    void metadataAndIsolation_behaveAsPostgres() throws SQLException {
        try (Connection c = ds.getConnection()) {
            assertThat(c.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
            try (ResultSet rs = c.getMetaData().getTables(null, "public", "orders", null)) {
                assertThat(rs.next()).isTrue();
            }
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT current_setting('transaction_isolation') FROM orders WHERE tenant_id = ? LIMIT 1")) {
                ps.setString(1, tenant(1));
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) assertThat(rs.getString(1)).isEqualTo("repeatable read");
                }
            }
            c.rollback();
        }
    }

    @Test
    void generatedKeys_andReturning_work() throws SQLException {
        String t = tenant(9000);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, ?)",
                        Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, t);
            ps.setLong(2, 42);
            ps.setInt(3, 1);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                assertThat(keys.next()).isTrue();
                assertThat(keys.getLong("id")).isEqualTo(42);
            }
        }
    }

    @Test
    void scatter_explicit_readsEveryShardMerged() throws Exception {
        try (Connection c = ds.getConnection()) {
            for (int i = 0; i < 10; i++) insert(c, tenant(9100 + i), i, 1000 + i);
        }
        long n = Tenants.scatter(() -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs =
                            s.executeQuery("SELECT count(*) FROM orders WHERE amount >= 1000 AND amount < 1010")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(n).isEqualTo(10);
    }

    @Test
    void explain_namesShardBucketAndRejection() {
        RoutePlan p = ds.explain("SELECT * FROM orders WHERE tenant_id = ? AND id = ?", "acme");
        assertThat(p.shards()).containsExactly(ds.config().buckets().shardOf("acme"));
        assertThat(p.role()).isEqualTo("replica");
        assertThat(p.reason()).contains("tenant acme").contains("bucket");
        RoutePlan rejected = ds.explain("DELETE FROM orders", null);
        assertThat(rejected.kind()).endsWith("rejected");
        assertThat(rejected.reason())
                .contains("is not restricted to one tenant")
                .contains("SL001");
    }
}
