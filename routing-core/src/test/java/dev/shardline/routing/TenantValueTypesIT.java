package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.config.BucketMap;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Tenant columns that are not text: PostgreSQL coerces {@code '007'} to the bigint 7 and
 * {@code 'A0EEBC99-…'} to a lower-case uuid, so Shardline must route by the value the server
 * stores, not by the spelling in SQL or in a string parameter (with {@code stringtype=unspecified},
 * as many applications configure pgJDBC, string parameters are coerced the same way). Every row is
 * checked against the shard that owns its stored value; twenty tenants per spelling make a routing by
 * spelling land on a wrong shard of three almost surely.
 */
// Its own cluster: citext's min/max overloads would make those names untrusted for every other class.
@WithPgCluster(primaries = 3, replicas = 0, shared = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantValueTypesIT {
    private static final int N = 20;
    private final PgCluster cluster;
    private ShardlineDataSource ds;
    private BucketMap buckets;

    TenantValueTypesIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws Exception {
        cluster.executeOnPrimaries(
                "CREATE TABLE accounts (tenant_id bigint NOT NULL, id bigint NOT NULL, note text, PRIMARY KEY (tenant_id, id))",
                "CREATE TABLE devices (tenant_id uuid NOT NULL, id bigint NOT NULL, note text, PRIMARY KEY (tenant_id, id))",
                "CREATE EXTENSION IF NOT EXISTS citext",
                "CREATE TABLE handles (tenant_id citext NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))",
                "CREATE COLLATION IF NOT EXISTS case_blind (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
                "CREATE TABLE labels (tenant_id text COLLATE case_blind NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))");
        Path yaml = cluster.writeShardlineYaml(
                Files.createTempDirectory("tenant-types").resolve("shardline.yaml"), """
        tables:
          sharded:
            accounts: tenant_id
            devices: tenant_id
            handles: tenant_id
            labels: tenant_id
        """);
        // String parameters typed by the server, as with stringtype=unspecified in many applications' URLs.
        Files.writeString(
                yaml,
                Files.readString(yaml).replaceAll("(primary: jdbc:postgresql://\\S+)", "$1?stringtype=unspecified"));
        ds = ShardlineDataSource.fromYaml(yaml);
        buckets = ds.config().buckets();
    }

    @AfterAll
    void tearDown() {
        if (ds != null) ds.close();
    }

    @BeforeEach
    void clean() {
        cluster.executeOnPrimaries("DELETE FROM accounts", "DELETE FROM devices");
    }

    @Test
    void bigintTenant_literalSpellings_rowOnTheOwnerOfTheStoredValue() throws Exception {
        List<String> spellings = List.of("'00%d'", "' %d'", "'+%d'", "%d.0", "'%d  '");
        int id = 0;
        for (String spelling : spellings) {
            for (int t = 1; t <= N; t++) {
                String lit = String.format(spelling, t);
                id++;
                tryUpdate("INSERT INTO accounts (tenant_id, id, note) VALUES (" + lit + ", " + id + ", 'v')");
                tryUpdate("INSERT INTO accounts SELECT " + lit + ", " + (id + 10_000) + ", 'v'");
                tryUpdate("UPDATE accounts SET note = 'u' WHERE tenant_id = " + lit + " AND id = " + id);
            }
        }
        assertAccountsOwned();
    }

    @Test
    void bigintTenant_stringParameters_rowOnTheOwnerOfTheStoredValue() throws Exception {
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO accounts (tenant_id, id, note) VALUES (?, ?, 'v')")) {
            for (int t = 1; t <= N; t++) {
                for (String s : List.of("00" + t, " " + t, "+" + t)) {
                    ps.setString(1, s);
                    ps.setLong(2, s.hashCode());
                    tryRun(ps::executeUpdate);
                }
            }
        }
        assertAccountsOwned();
    }

    @Test
    void uuidTenant_otherSpellings_rowOnTheOwnerOfTheStoredValue() throws Exception {
        int id = 0;
        for (int t = 0; t < N; t++) {
            UUID u = UUID.nameUUIDFromBytes(("tenant-" + t).getBytes());
            for (String s : List.of(
                    u.toString().toUpperCase(), "{" + u + "}", u.toString().replace("-", ""))) {
                id++;
                tryUpdate("INSERT INTO devices (tenant_id, id, note) VALUES ('" + s + "', " + id + ", 'v')");
                try (Connection c = ds.getConnection();
                        PreparedStatement ps =
                                c.prepareStatement("INSERT INTO devices (tenant_id, id, note) VALUES (?, ?, 'p')")) {
                    ps.setString(1, s);
                    ps.setLong(2, id + 10_000);
                    tryRun(ps::executeUpdate);
                }
            }
        }
        for (int shard = 0; shard < 3; shard++) {
            for (String v : RoutingFixture.direct(cluster.primary(shard), "SELECT tenant_id::text FROM devices")) {
                assertThat(buckets.shardIndexOf(UUID.fromString(v)))
                        .as("device row of tenant %s found on shard %d", v, shard)
                        .isEqualTo(shard);
            }
        }
    }

    @Test
    void bigintTenant_readWithOtherSpelling_findsTheRow() throws Exception {
        cluster.primary(buckets.shardIndexOf(7L)).execute("INSERT INTO accounts VALUES (7, 1, 'seven')");
        for (String lit : List.of("7", "'7'", "'007'", "' 7'")) {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                try (ResultSet rs =
                        s.executeQuery("SELECT note FROM accounts WHERE tenant_id = " + lit + " AND id = 1")) {
                    assertThat(rs.next()).as("read with tenant %s", lit).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("seven");
                }
            } catch (SQLException e) {
                // Refusing a spelling is acceptable; reading the wrong shard (no row) is not.
                assertThat(e.getSQLState())
                        .as("refused spelling %s: %s", lit, e.getMessage())
                        .isEqualTo("22023");
            }
        }
    }

    @Test
    void bigintTenant_contextWithOtherSpelling_readsTheTenantsRows() throws Exception {
        cluster.primary(buckets.shardIndexOf(7L)).execute("INSERT INTO accounts VALUES (7, 2, 'context')");
        for (Object context : List.of(7L, "7", "007", " +7")) {
            String note = Tenants.call(context, () -> {
                try (Connection c = ds.getConnection();
                        Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT note FROM accounts WHERE id = 2")) {
                    return rs.next() ? rs.getString(1) : null;
                }
            });
            assertThat(note).as("context %s", context).isEqualTo("context");
        }
    }

    @Test
    void inexactTenantEquality_citextOrNondeterministicCollation_refused() throws Exception {
        for (String table : List.of("handles", "labels")) {
            for (String sql : List.of(
                    "INSERT INTO " + table + " (tenant_id, id) VALUES ('Alice', 1)",
                    "SELECT * FROM " + table + " WHERE tenant_id = 'alice'")) {
                try (Connection c = ds.getConnection();
                        Statement s = c.createStatement()) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.execute(sql))
                            .as(sql)
                            .isInstanceOf(InvalidTenantValueException.class)
                            .hasMessageContaining("case-insensitively");
                }
            }
        }
        for (int shard = 0; shard < 3; shard++) {
            assertThat(RoutingFixture.direct(cluster.primary(shard), "SELECT count(*) FROM handles"))
                    .containsExactly("0");
        }
    }

    private void assertAccountsOwned() throws SQLException {
        int rows = 0;
        for (int shard = 0; shard < 3; shard++) {
            for (String v : RoutingFixture.direct(cluster.primary(shard), "SELECT tenant_id FROM accounts")) {
                rows++;
                assertThat(buckets.shardIndexOf(Long.parseLong(v)))
                        .as("account row of tenant %s found on shard %d", v, shard)
                        .isEqualTo(shard);
            }
        }
        assertThat(rows)
                .as("rows written (a refused spelling writes none, but most are accepted)")
                .isGreaterThan(N);
    }

    private void tryUpdate(String sql) {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        } catch (SQLException e) {
            refusedClearly(sql, e);
        }
    }

    private interface Sql {
        Object run() throws SQLException;
    }

    private static void tryRun(Sql sql) {
        try {
            sql.run();
        } catch (SQLException e) {
            refusedClearly("prepared statement", e);
        }
    }

    /** A spelling may be refused (bad input or not provably one tenant), never failed as an internal error. */
    private static void refusedClearly(String sql, SQLException e) {
        List<String> ok = new ArrayList<>(List.of("22023", "22P02", "SL001", "SL005", "42804"));
        assertThat(ok)
                .as("%s refused with %s: %s", sql, e.getSQLState(), e.getMessage())
                .contains(e.getSQLState());
    }
}
