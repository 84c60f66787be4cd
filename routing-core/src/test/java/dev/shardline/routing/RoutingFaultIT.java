package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Servers are killed and stopped here, so this class has a cluster of its own. */
@WithPgCluster(primaries = 2, replicas = 2, shared = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutingFaultIT {
    private final PgCluster cluster;
    private ShardlineDataSource ds;
    private final List<String> shard0Tenants = new ArrayList<>();
    private final List<String> shard1Tenants = new ArrayList<>();

    RoutingFaultIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        ds = RoutingFixture.dataSource(cluster);
        RoutingFixture.createSchema(ds);
        for (int i = 0; shard0Tenants.size() < 20 || shard1Tenants.size() < 20; i++) {
            String t = "fault-" + i;
            (ds.config().buckets().shardIndexOf(t) == 0 ? shard0Tenants : shard1Tenants).add(t);
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO orders (tenant_id, id, amount) VALUES (?, 1, 1) ON CONFLICT DO NOTHING")) {
            for (String t : shard0Tenants) {
                ps.setString(1, t);
                ps.executeUpdate();
            }
            for (String t : shard1Tenants) {
                ps.setString(1, t);
                ps.executeUpdate();
            }
        }
        cluster.awaitReplication(Duration.ofSeconds(10));
    }

    @AfterAll
    void tearDown() {
        ds.close();
    }

    private int read(String tenant) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT amount FROM orders WHERE tenant_id = ? AND id = 1")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : -1;
            }
        }
    }

    private void write(String tenant) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("UPDATE orders SET amount = amount + 1 WHERE tenant_id = ? AND id = 1")) {
            ps.setString(1, tenant);
            ps.executeUpdate();
        }
    }

    private EndpointStatus status(String endpoint) {
        return ds.health().stream()
                .filter(s -> s.endpoint().equals(endpoint))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void replicaKilled_underReadLoop_noFailedReads_andRejoinsAfterRestart() throws Exception {
        PgNode victim = cluster.replicas(0).get(0);
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        int[] reads = new int[1];
        Thread loop = new Thread(() -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int i = 0;
            while (!stop.get() && System.nanoTime() < deadline && i < 200_000) {
                try {
                    if (read(shard0Tenants.get(i++ % shard0Tenants.size())) < 0)
                        failures.add(new AssertionError("row missing"));
                    reads[0]++;
                } catch (Throwable e) {
                    failures.add(e);
                }
            }
        });
        loop.start();
        Thread.sleep(300);
        victim.kill();
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> !status("shard-0/replica-0").healthy());
        Thread.sleep(500);
        victim.start();
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> status("shard-0/replica-0").healthy());
        Thread.sleep(300);
        stop.set(true);
        loop.join();
        assertThat(failures).as("failed reads while a replica was killed").isEmpty();
        assertThat(reads[0]).isGreaterThan(100);
    }

    @Test
    void primaryStopped_onlyItsTenantsFail_fastOnceBreakerOpens_othersUnaffected() throws Exception {
        PgNode primary = cluster.primary(1);
        primary.stop();
        try {
            int otherErrors = 0;
            List<SQLException> ownErrors = new ArrayList<>();
            for (int round = 0; round < 10; round++) {
                for (String t : shard0Tenants) {
                    try {
                        write(t);
                    } catch (SQLException e) {
                        otherErrors++;
                    }
                }
                try {
                    write(shard1Tenants.get(round));
                } catch (SQLException e) {
                    ownErrors.add(e);
                }
            }
            assertThat(otherErrors)
                    .as("errors for tenants of the healthy shard")
                    .isZero();
            assertThat(ownErrors).hasSize(10).allSatisfy(e -> {
                assertThat((Throwable) e).isInstanceOf(ShardUnavailableException.class);
                assertThat(e.getSQLState()).isEqualTo(SqlStates.SHARD_UNAVAILABLE);
                assertThat(e.getMessage()).startsWith("shard-1/primary - ");
            });
            assertThat((Throwable) ownErrors.get(ownErrors.size() - 1)).hasMessageContaining("circuit breaker is open");
            // Reads of the stopped shard's tenants are still served by its replicas.
            assertThat(read(shard1Tenants.get(0))).isPositive();
        } finally {
            primary.start();
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .untilAsserted(() -> write(shard1Tenants.get(0)));
    }
}
