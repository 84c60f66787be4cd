package dev.shardline.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.routing.CrossShardException;
import dev.shardline.routing.RecoveryReport;
import dev.shardline.routing.RoutingSettings;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Transactions that run on every shard primary (DDL, broadcast-table writes) commit on all shards
 * or none, on two real shards: the two-phase commit, its refusals, and the crash drills (the
 * coordinator stopped between PREPARE and the decision, and after the decision) settled by
 * recovery, including the one a restarted DataSource runs at start. shard-0 is the decision shard.
 */
// Its own cluster: a drill restarts a server with max_prepared_transactions = 0.
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class BroadcastTransactionIT {
    private static final String TABLES = """
      tables:
        sharded:
          bt_orders: tenant_id
        broadcast: [bt_currencies]
      buckets:
        count: 16
      """;

    private final PgCluster cluster;
    private Path yaml;
    private Engine engine;

    BroadcastTransactionIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeEach
    void setUp() throws Exception {
        yaml = cluster.writeShardlineYaml(
                Files.createTempDirectory("shardline-2pc-").resolve("shardline.yaml"), TABLES);
        cluster.executeOnPrimaries(
                "DROP TABLE IF EXISTS bt_new",
                "DROP TABLE IF EXISTS bt_currencies",
                "CREATE TABLE bt_currencies (code text PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE IF NOT EXISTS bt_orders (tenant_id text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))");
        engine = newEngine();
    }

    @AfterEach
    void tearDown() {
        TwoPhaseCommit.testHook = null;
        if (engine != null) engine.close();
        for (PgNode p : cluster.primaries()) {
            for (String gid : direct(p, "SELECT gid FROM pg_prepared_xacts"))
                p.execute("ROLLBACK PREPARED '" + gid + "'");
        }
    }

    private Engine newEngine() {
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        return new Engine(cfg, RoutingSettings.from(cfg.section("routing")), new SimpleMeterRegistry());
    }

    private static List<String> direct(PgNode node, String sql) {
        List<String> out = new ArrayList<>();
        try (Connection c = node.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException(node.name() + " - " + e.getMessage(), e);
        }
        return out;
    }

    private List<String> onEachShard(String sql) {
        List<String> out = new ArrayList<>();
        for (PgNode p : cluster.primaries()) out.add(String.join(",", direct(p, sql)));
        return out;
    }

    private static final String STATE =
            "SELECT (SELECT count(*) FROM information_schema.tables WHERE table_name = 'bt_new') || '/' "
                    + "|| (SELECT count(*) FROM bt_currencies) || '/' || (SELECT count(*) FROM pg_prepared_xacts)";

    /** Opens a transaction that creates a table and writes a broadcast table (on every shard). */
    private Connection broadcastTransaction() throws SQLException {
        Connection c = engine.connect();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE bt_new (id int PRIMARY KEY)");
            s.executeUpdate("INSERT INTO bt_currencies (code, name) VALUES ('EUR', 'Euro')");
        }
        return c;
    }

    @Test
    void commit_ddlAndBroadcastWrite_committedOnEveryShard() throws Exception {
        try (Connection c = broadcastTransaction()) {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT name FROM bt_currencies WHERE code = 'EUR'")) {
                assertThat(rs.next())
                        .as("the transaction reads its own broadcast write")
                        .isTrue();
            }
            assertThat(onEachShard(STATE))
                    .as("nothing visible before the commit")
                    .containsExactly("0/0/0", "0/0/0");
            c.commit();
        }
        assertThat(onEachShard(STATE)).containsExactly("1/1/0", "1/1/0");
    }

    @Test
    void rollback_broadcastTransaction_nothingOnAnyShard() throws Exception {
        try (Connection c = broadcastTransaction()) {
            c.rollback();
        }
        assertThat(onEachShard(STATE)).containsExactly("0/0/0", "0/0/0");
    }

    @Test
    void execute_tenantStatementInBroadcastTransaction_refusedSl002() throws Exception {
        try (Connection c = broadcastTransaction();
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO bt_orders (tenant_id, id) VALUES ('t1', 1)"))
                    .isInstanceOf(CrossShardException.class)
                    .hasMessageContaining("every shard")
                    .extracting("SQLState")
                    .isEqualTo("SL002");
            assertThatThrownBy(c::commit)
                    .isInstanceOf(SQLException.class)
                    .extracting("SQLState")
                    .isEqualTo("40000");
        }
        try (Connection c = engine.connect();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO bt_orders (tenant_id, id) VALUES ('t1', 1) ON CONFLICT DO NOTHING");
            assertThatThrownBy(() -> s.execute("CREATE TABLE bt_new (id int)"))
                    .isInstanceOf(CrossShardException.class)
                    .hasMessageContaining("for a tenant")
                    .extracting("SQLState")
                    .isEqualTo("SL002");
            c.rollback();
        }
        assertThat(onEachShard(STATE)).containsExactly("0/0/0", "0/0/0");
    }

    @Test
    void commit_failsOnDecisionShardAfterPrepare_rolledBackEverywhere40000() throws Exception {
        TwoPhaseCommit.testHook = (phase, gid) -> {
            if (phase != TwoPhaseCommit.Phase.PREPARED) return;
            assertThat(direct(cluster.primary(1), "SELECT gid FROM pg_prepared_xacts"))
                    .containsExactly(gid.toString());
            // The decision shard's backend dies before it commits: that transaction is aborted.
            direct(
                    cluster.primary(0),
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'");
        };
        try (Connection c = broadcastTransaction()) {
            assertThatThrownBy(c::commit)
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("rolled back on every shard")
                    .extracting("SQLState")
                    .isEqualTo("40000");
        }
        assertThat(onEachShard(STATE))
                .as("nothing committed, nothing left prepared")
                .containsExactly("0/0/0", "0/0/0");
    }

    @Test
    void recovery_coordinatorStoppedBetweenPrepareAndDecision_rollsBackEverywhere() throws Exception {
        TwoPhaseCommit.testHook = (phase, gid) -> {
            if (phase == TwoPhaseCommit.Phase.PREPARED)
                throw new IllegalStateException("drill: coordinator stops after PREPARE");
        };
        try (Connection c = broadcastTransaction()) {
            assertThatThrownBy(c::commit).hasMessageContaining("drill");
        }
        assertThat(onEachShard(STATE))
                .as("shard-1 holds the prepared transaction")
                .containsExactly("0/0/0", "0/0/1");
        RecoveryReport r = engine.recoverPreparedTransactions();
        assertThat(r).isEqualTo(new RecoveryReport(0, 1, 0));
        assertThat(onEachShard(STATE)).as("nothing committed anywhere").containsExactly("0/0/0", "0/0/0");
    }

    @Test
    void recovery_whileDecisionInProgress_leavesItAndTheCommitCompletes() throws Exception {
        List<RecoveryReport> seen = new ArrayList<>();
        TwoPhaseCommit.testHook = (phase, gid) -> {
            if (phase == TwoPhaseCommit.Phase.PREPARED) seen.add(engine.recoverPreparedTransactions());
        };
        try (Connection c = broadcastTransaction()) {
            c.commit();
        }
        assertThat(seen).containsExactly(new RecoveryReport(0, 0, 1));
        assertThat(onEachShard(STATE)).containsExactly("1/1/0", "1/1/0");
    }

    @Test
    void recovery_coordinatorStoppedAfterDecision_restartedDataSourceCommitsTheRest() throws Exception {
        TwoPhaseCommit.testHook = (phase, gid) -> {
            if (phase == TwoPhaseCommit.Phase.DECIDED)
                throw new IllegalStateException("drill: coordinator stops after the decision");
        };
        try (Connection c = broadcastTransaction()) {
            assertThatThrownBy(c::commit).hasMessageContaining("drill");
        }
        TwoPhaseCommit.testHook = null;
        assertThat(onEachShard(STATE))
                .as("decided on shard-0, still prepared on shard-1")
                .containsExactly("1/1/0", "0/0/1");
        engine.close();
        engine = newEngine();
        assertThat(onEachShard(STATE))
                .as("the restarted DataSource's recovery committed the rest")
                .containsExactly("1/1/0", "1/1/0");
    }

    @Test
    void execute_shardWithoutPreparedTransactions_refusedSl002NamingTheSetting() throws Exception {
        PgNode p1 = cluster.primary(1);
        p1.execute("ALTER SYSTEM SET max_prepared_transactions = 0");
        p1.stop();
        p1.start();
        engine.close();
        engine = newEngine();
        try (Connection c = engine.connect();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> s.execute("CREATE TABLE bt_new (id int PRIMARY KEY)"))
                    .isInstanceOf(CrossShardException.class)
                    .hasMessageContaining("shard-1")
                    .hasMessageContaining("max_prepared_transactions")
                    .extracting("SQLState")
                    .isEqualTo("SL002");
            c.rollback();
            c.setAutoCommit(true);
            // With auto-commit on it runs as before: statement by statement on every shard.
            s.execute("CREATE TABLE bt_new (id int PRIMARY KEY)");
        } finally {
            p1.execute("ALTER SYSTEM RESET max_prepared_transactions");
            p1.stop();
            p1.start();
        }
        assertThat(onEachShard(STATE)).containsExactly("1/0/0", "1/0/0");
    }
}
