package dev.shardline.routing;

import static dev.shardline.routing.RoutingFixture.direct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * pgJDBC's CopyManager through {@code unwrap(PGConnection.class)} on a Shardline connection: a
 * tenant-bound COPY FROM STDIN (rows checked before anything is written, on the tenant's shard
 * only) and COPY TO STDOUT routed like a query — on two real shards.
 */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CopyManagerIT {
    private final PgCluster cluster;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private ShardlineDataSource ds;

    CopyManagerIT(PgCluster cluster) {
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

    private String tenantOn(int shard, String prefix) {
        for (int i = 0; ; i++) {
            String t = run + "-" + prefix + i;
            if (ds.config().buckets().shardIndexOf(t) == shard) return t;
        }
    }

    private long count(int shard, String tenantLike) throws SQLException {
        return Long.parseLong(
                direct(cluster.primary(shard), "SELECT count(*) FROM orders WHERE tenant_id LIKE '" + tenantLike + "'")
                        .get(0));
    }

    private static CopyManager copy(Connection c) throws SQLException {
        return c.unwrap(PGConnection.class).getCopyAPI();
    }

    private static String text(String tenant, int from, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < from + n; i++)
            b.append(tenant).append('\t').append(i).append('\t').append(i * 2).append('\n');
        return b.toString();
    }

    @Test
    void copyIn_textFormatInsideTenantContext_rowsOnTheOwnerShardOnly() throws Exception {
        String t = tenantOn(1, "txt");
        long n = Tenants.call(t, () -> {
            try (Connection c = ds.getConnection()) {
                return copy(c).copyIn(
                                "COPY orders (tenant_id, id, amount) FROM STDIN", new StringReader(text(t, 0, 1000)));
            }
        });
        assertThat(n).isEqualTo(1000);
        assertThat(count(1, t)).isEqualTo(1000);
        assertThat(count(0, t)).isZero();
        assertThat(direct(cluster.primary(1), "SELECT DISTINCT status FROM orders WHERE tenant_id = '" + t + "'"))
                .containsExactly("new");
        assertThat(direct(cluster.primary(1), "SELECT sum(amount) FROM orders WHERE tenant_id = '" + t + "'"))
                .containsExactly("999000");
    }

    @Test
    void copyIn_csvWithHeaderAllColumns_exactCount() throws Exception {
        String t = tenantOn(0, "csv");
        StringBuilder csv = new StringBuilder("tenant_id,id,amount,status\n");
        for (int i = 0; i < 250; i++) csv.append(t).append(',').append(i).append(",5,\"paid, in full\"\n");
        long n = Tenants.call(t, () -> {
            try (Connection c = ds.getConnection()) {
                return copy(c).copyIn(
                                "COPY orders FROM STDIN WITH (FORMAT csv, HEADER true)",
                                new StringReader(csv.toString()));
            }
        });
        assertThat(n).isEqualTo(250);
        assertThat(count(0, t)).isEqualTo(250);
        assertThat(count(1, t)).isZero();
        assertThat(direct(cluster.primary(0), "SELECT DISTINCT status FROM orders WHERE tenant_id = '" + t + "'"))
                .containsExactly("paid, in full");
    }

    @Test
    void copyIn_binaryFormatFromAnInputStream_exactCount() throws Exception {
        String t = tenantOn(1, "bin");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (Connection d = cluster.primary(0).connect()) {
            d.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyOut(
                            "COPY (SELECT '" + t + "'::text, g::bigint, (g * 3)::int FROM "
                                    + "generate_series(1, 300) g) TO STDOUT (FORMAT binary)",
                            bytes);
        }
        long n = Tenants.call(t, () -> {
            try (Connection c = ds.getConnection()) {
                return copy(c).copyIn(
                                "COPY orders (tenant_id, id, amount) FROM STDIN (FORMAT binary)",
                                new java.io.ByteArrayInputStream(bytes.toByteArray()));
            }
        });
        assertThat(n).isEqualTo(300);
        assertThat(count(1, t)).isEqualTo(300);
        assertThat(count(0, t)).isZero();
        assertThat(direct(cluster.primary(1), "SELECT sum(amount) FROM orders WHERE tenant_id = '" + t + "'"))
                .containsExactly("135450");
    }

    @Test
    void copyIn_afterAStatementOnAOneConnectionPool_usesTheConnectionItHolds() throws Exception {
        java.nio.file.Path yaml = RoutingFixture.yaml(cluster, "");
        java.nio.file.Files.writeString(
                yaml, java.nio.file.Files.readString(yaml).replace("maxSize: 8", "maxSize: 1"));
        dev.shardline.config.ShardlineConfig cfg = dev.shardline.config.ShardlineConfig.fromYaml(yaml);
        String t = tenantOn(0, "one");
        try (ShardlineDataSource single = ShardlineDataSource.create(
                cfg,
                RoutingSettings.from(cfg.section("routing")),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
            long n = Tenants.call(t, () -> {
                try (Connection c = single.getConnection();
                        Statement s = c.createStatement()) {
                    s.executeQuery("SELECT count(*) FROM orders").close();
                    long copied = copy(c).copyIn(
                                    "COPY orders (tenant_id, id, amount) FROM STDIN", new StringReader(text(t, 0, 7)));
                    try (var rs = s.executeQuery("SELECT count(*) FROM orders")) {
                        rs.next();
                        assertThat(rs.getLong(1)).isEqualTo(7);
                    }
                    return copied;
                }
            });
            assertThat(n).isEqualTo(7);
        }
        assertThat(count(0, t)).isEqualTo(7);
    }

    @Test
    void copyIn_manyTenantsOneCopyEach_everyRowOnItsTenantsShard() throws Exception {
        int tenants = 20;
        try (Connection c = ds.getConnection()) {
            CopyManager cm = copy(c);
            for (int k = 0; k < tenants; k++) {
                String t = run + "-many" + k;
                long n = Tenants.call(
                        t,
                        () -> cm.copyIn(
                                "COPY orders (tenant_id, id, amount) FROM STDIN", new StringReader(text(t, 0, 50))));
                assertThat(n).isEqualTo(50);
            }
        }
        long total = 0;
        for (int shard = 0; shard < 2; shard++) {
            for (String t : direct(
                    cluster.primary(shard),
                    "SELECT DISTINCT tenant_id FROM orders WHERE tenant_id LIKE '" + run + "-many%'")) {
                assertThat(ds.config().buckets().shardIndexOf(t))
                        .as("tenant %s", t)
                        .isEqualTo(shard);
            }
            total += count(shard, run + "-many%");
        }
        assertThat(total).isEqualTo(tenants * 50L);
    }

    @Test
    void copyIn_rowOfAnotherTenantOnTheSameShard_refusedAndNothingWritten() throws Exception {
        String t = tenantOn(1, "bad");
        String neighbour = tenantOn(1, "nb");
        String data = text(t, 0, 100) + neighbour + "\t100\t1\n" + text(t, 101, 10);
        assertThatThrownBy(() -> Tenants.run(t, () -> {
                    try (Connection c = ds.getConnection()) {
                        copy(c).copyIn("COPY orders (tenant_id, id, amount) FROM STDIN", new StringReader(data));
                    }
                }))
                .isInstanceOf(CrossTenantException.class)
                .hasMessageContaining("1 of 111 rows")
                .hasMessageContaining("nothing was written");
        for (int shard = 0; shard < 2; shard++) {
            assertThat(count(shard, t)).isZero();
            assertThat(count(shard, neighbour)).isZero();
        }
    }

    @Test
    void copyIn_withoutTenantContext_refusedWithSl001() throws Exception {
        String t = tenantOn(0, "noctx");
        try (Connection c = ds.getConnection()) {
            assertThatThrownBy(() -> copy(c).copyIn(
                                    "COPY orders (tenant_id, id, amount) FROM STDIN", new StringReader(text(t, 0, 3))))
                    .isInstanceOf(TenantRequiredException.class)
                    .hasMessageContaining("Tenants.run");
        }
        assertThat(count(0, t) + count(1, t)).isZero();
    }

    @Test
    void copyIn_whatCannotBeChecked_refusedWithSl005() throws Exception {
        String t = tenantOn(0, "ref");
        List<String> refused = Arrays.asList(
                "COPY currencies FROM STDIN",
                "COPY nope FROM STDIN",
                "COPY orders FROM '/etc/passwd'",
                "COPY orders FROM PROGRAM 'true'",
                "COPY orders FROM STDIN; DELETE FROM orders",
                "COPY orders FROM STDIN WITH (FORMAT csv) WHERE tenant_id = 'x'",
                "COPY public.orders FROM STDIN",
                "COPY orders TO STDOUT",
                "DELETE FROM orders");
        Tenants.run(t, () -> {
            try (Connection c = ds.getConnection()) {
                for (String sql : refused) {
                    assertThatThrownBy(() -> copy(c).copyIn(sql, new StringReader(text(t, 0, 1))))
                            .as(sql)
                            .isInstanceOf(UnverifiableStatementException.class)
                            .hasMessageStartingWith("copy - ");
                }
                assertThatThrownBy(() -> copy(c).copyIn("COPY orders FROM STDIN"))
                        .isInstanceOf(java.sql.SQLFeatureNotSupportedException.class);
            }
        });
        assertThat(count(0, t) + count(1, t)).isZero();
    }

    @Test
    void copyIn_insideTransaction_joinsItAndRollsBackWithIt() throws Exception {
        String t = tenantOn(1, "tx");
        Tenants.run(t, () -> {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                assertThat(copy(c).copyIn(
                                        "COPY orders (tenant_id, id, amount) FROM STDIN",
                                        new StringReader(text(t, 0, 10))))
                        .isEqualTo(10);
                c.rollback();
                assertThat(copy(c).copyIn(
                                        "COPY orders (tenant_id, id, amount) FROM STDIN",
                                        new StringReader(text(t, 0, 10))))
                        .isEqualTo(10);
                assertThat(copy(c).copyIn(
                                        "COPY orders (tenant_id, id, amount) FROM STDIN",
                                        new StringReader(text(t, 10, 5))))
                        .isEqualTo(5);
                s.executeUpdate("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + t + "', 99, 1)");
                try (var rs = s.executeQuery("SELECT count(*) FROM orders")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(16);
                }
                assertThat(count(1, t)).as("not visible before commit").isZero();
                c.commit();
            }
        });
        assertThat(count(1, t)).isEqualTo(16);
        assertThat(count(0, t)).isZero();
    }

    @Test
    void copyIn_transactionOnAnotherShard_refusedWithSl002AndTheTransactionAborted() throws Exception {
        String onZero = tenantOn(0, "tx0");
        String onOne = tenantOn(1, "tx1");
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("INSERT INTO orders (tenant_id, id, amount) VALUES ('" + onZero + "', 1, 1)");
            assertThatThrownBy(() -> Tenants.run(
                            onOne,
                            () -> copy(c).copyIn(
                                            "COPY orders (tenant_id, id, amount) FROM STDIN",
                                            new StringReader(text(onOne, 0, 3)))))
                    .isInstanceOf(CrossShardException.class)
                    .satisfies(e ->
                            assertThat(((SQLException) e).getSQLState()).isEqualTo(SqlStates.CROSS_SHARD_TRANSACTION));
            assertThatThrownBy(c::commit).isInstanceOf(SQLException.class);
        }
        assertThat(count(0, onZero) + count(1, onOne)).isZero();
    }

    @Test
    void copyOut_insideTenantContext_onlyThatTenantsRows() throws Exception {
        String t = tenantOn(0, "out");
        String neighbour = tenantOn(0, "outnb");
        for (String x : List.of(t, neighbour)) {
            Tenants.run(x, () -> {
                try (Connection c = ds.getConnection()) {
                    copy(c).copyIn("COPY orders (tenant_id, id, amount) FROM STDIN", new StringReader(text(x, 0, 3)));
                }
            });
        }
        Tenants.run(t, () -> {
            try (Connection c = ds.getConnection()) {
                StringWriter table = new StringWriter();
                assertThat(copy(c).copyOut("COPY orders (tenant_id, id) TO STDOUT WITH (FORMAT csv)", table))
                        .isEqualTo(3);
                assertThat(table.toString().lines().sorted().toList()).containsExactly(t + ",0", t + ",1", t + ",2");
                StringWriter query = new StringWriter();
                assertThat(copy(c).copyOut("COPY (SELECT id, amount FROM orders ORDER BY id) TO STDOUT", query))
                        .isEqualTo(3);
                assertThat(query.toString()).isEqualTo("0\t0\n1\t2\n2\t4\n");
            }
        });
        try (Connection c = ds.getConnection()) {
            StringWriter keyed = new StringWriter();
            assertThat(copy(c).copyOut(
                                    "COPY (SELECT id FROM orders WHERE tenant_id = '" + neighbour
                                            + "' ORDER BY id) TO STDOUT",
                                    keyed))
                    .isEqualTo(3);
            assertThatThrownBy(() -> copy(c).copyOut("COPY orders TO STDOUT", new StringWriter()))
                    .isInstanceOf(TenantRequiredException.class);
            assertThatThrownBy(() ->
                            copy(c).copyOut("COPY (DELETE FROM orders RETURNING id) TO STDOUT", new StringWriter()))
                    .isInstanceOf(SQLException.class);
        }
        assertThat(count(0, neighbour)).isEqualTo(3);
    }
}
