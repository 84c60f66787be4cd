package dev.shardline.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.routing.Tenants;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/** Spring's JdbcTemplate and transactions, unmodified, over {@code jdbc:shardline:} on two shards. */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpringJdbcIT {
    private final PgCluster cluster;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private JdbcTemplate jdbc;
    private TransactionTemplate tx;

    SpringJdbcIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        String url = CompatFixture.url(cluster);
        try (Connection c = DriverManager.getConnection(url)) {
            CompatFixture.createSchema(c);
        }
        DriverManagerDataSource ds = new DriverManagerDataSource(url);
        jdbc = new JdbcTemplate(ds);
        tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
    }

    private String tenant(int i) {
        return run + "-s" + i;
    }

    @Test
    void update_tenantInSql_rowsLandOnBothShards() throws SQLException {
        for (int i = 0; i < 40; i++) {
            int n = jdbc.update(
                    "INSERT INTO accounts (tenant_id, id, name, balance, version) VALUES (?, ?, ?, ?, 0)",
                    tenant(i),
                    i,
                    "a" + i,
                    100);
            assertThat(n).isEqualTo(1);
        }
        for (int shard = 0; shard < 2; shard++) {
            assertThat(CompatFixture.direct(
                                    cluster.primary(shard),
                                    "SELECT count(*) FROM accounts WHERE tenant_id LIKE '" + run + "-s%'")
                            .get(0))
                    .as("shard %d holds some of the tenants", shard)
                    .isNotEqualTo("0");
        }
        assertThat(jdbc.queryForObject(
                        "SELECT name FROM accounts WHERE tenant_id = ? AND id = ?", String.class, tenant(7), 7L))
                .isEqualTo("a7");
    }

    @Test
    void queryForList_insideTenantContext_seesOnlyThatTenant() {
        String t = run + "-ctx";
        jdbc.update("INSERT INTO accounts (tenant_id, id, name, balance, version) VALUES (?, 1, 'x', 1, 0)", t);
        jdbc.update("INSERT INTO accounts (tenant_id, id, name, balance, version) VALUES (?, 2, 'y', 1, 0)", t);
        List<String> names =
                Tenants.call(t, () -> jdbc.queryForList("SELECT name FROM accounts ORDER BY id", String.class));
        assertThat(names).containsExactly("x", "y");
    }

    @Test
    void transactionTemplate_exception_rollsBackEveryStatement() {
        String t = run + "-tx";
        jdbc.update("INSERT INTO accounts (tenant_id, id, name, balance, version) VALUES (?, 1, 'from', 100, 0)", t);
        jdbc.update("INSERT INTO accounts (tenant_id, id, name, balance, version) VALUES (?, 2, 'to', 0, 0)", t);
        assertThatThrownBy(() -> Tenants.run(
                        t,
                        () -> tx.executeWithoutResult(s -> {
                            jdbc.update("UPDATE accounts SET balance = balance - 30 WHERE id = 1");
                            jdbc.update("UPDATE accounts SET balance = balance + 30 WHERE id = 2");
                            throw new IllegalStateException("business rule failed");
                        })))
                .isInstanceOf(IllegalStateException.class);
        Tenants.run(
                t,
                () -> tx.executeWithoutResult(s -> {
                    jdbc.update("UPDATE accounts SET balance = balance - 30 WHERE id = 1");
                    jdbc.update("UPDATE accounts SET balance = balance + 30 WHERE id = 2");
                }));
        List<Long> balances =
                Tenants.call(t, () -> jdbc.queryForList("SELECT balance FROM accounts ORDER BY id", Long.class));
        assertThat(balances).containsExactly(70L, 30L);
    }

    @Test
    void batchUpdate_manyTenants_exactCounts() {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 500; i++) rows.add(new Object[] {tenant(1000 + i % 50), (long) i, "e"});
        int[] counts = jdbc.batchUpdate("INSERT INTO events (tenant_id, id, kind) VALUES (?, ?, ?)", rows);
        assertThat(counts).hasSize(500).containsOnly(1);
        long total = 0;
        for (int shard = 0; shard < 2; shard++) {
            total += Long.parseLong(jdbc.getDataSource() == null ? "0" : directCount(shard));
        }
        assertThat(total).isEqualTo(500);
    }

    @Test
    void batchUpdate_insertWithoutColumnList_manyTenants_allRowsWritten() throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) rows.add(new Object[] {run + "-nc" + (i % 30), (long) i, "n" + i, 0L, 0});
        int[] counts = jdbc.batchUpdate("INSERT INTO accounts VALUES (?, ?, ?, ?, ?)", rows);
        assertThat(counts).hasSize(300).containsOnly(1);
        long total = 0;
        for (int shard = 0; shard < 2; shard++) {
            total += Long.parseLong(CompatFixture.direct(
                            cluster.primary(shard),
                            "SELECT count(*) FROM accounts WHERE tenant_id LIKE '" + run + "-nc%'")
                    .get(0));
        }
        assertThat(total).isEqualTo(300);
    }

    private String directCount(int shard) {
        try {
            return CompatFixture.direct(
                            cluster.primary(shard),
                            "SELECT count(*) FROM events WHERE tenant_id LIKE '" + run + "-s1%'")
                    .get(0);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void update_withoutTenant_isRefusedWithAClearError() {
        assertThatThrownBy(() -> jdbc.update("UPDATE accounts SET balance = 0"))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("tenant");
    }

    @Test
    void broadcastTable_readableWithoutTenant() {
        jdbc.update("INSERT INTO currencies (code, name) VALUES (?, ?) ON CONFLICT (code) DO NOTHING", "EUR", "Euro");
        assertThat(jdbc.queryForObject("SELECT name FROM currencies WHERE code = ?", String.class, "EUR"))
                .isEqualTo("Euro");
    }
}
