package dev.shardline.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Flyway, unmodified, through {@code jdbc:shardline:}: each migration and its history row run in
 * one transaction on every shard primary, committed on all or none (two-phase commit); the
 * {@code SET ROLE} Flyway sends to restore the role it found is the session's own role, a no-op.
 * Flyway picks its database plugin by URL prefix, so it gets the URL as a DataSource.
 */
// Its own cluster: Flyway refuses a non-empty schema without a history table, and the shared one holds other tests'
// tables.
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class FlywayIT {
    private final PgCluster cluster;

    FlywayIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    private static MigrateResult migrate(String url) {
        return Flyway.configure()
                .dataSource(new DriverManagerDataSource(url))
                .locations("classpath:db/compat-flyway")
                .load()
                .migrate();
    }

    @Test
    void migrate_throughShardlineUrl_appliedOnEveryShardOnce_secondRunIsNoOp() throws Exception {
        String url = CompatFixture.url(cluster);
        assertThatThrownBy(
                        () -> Flyway.configure().dataSource(url, "", "").load().migrate())
                .as("Flyway's own URL handling knows no jdbc:shardline: plugin")
                .hasMessageContaining("No Flyway database plugin found to handle jdbc:shardline:");

        assertThat(migrate(url).migrationsExecuted).isEqualTo(1);
        List<String> history = null;
        for (int shard = 0; shard < 2; shard++) {
            assertThat(CompatFixture.direct(
                            cluster.primary(shard),
                            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'fw_items'"))
                    .as("shard %d: migration applied", shard)
                    .containsExactly("1");
            List<String> h = CompatFixture.direct(
                    cluster.primary(shard),
                    "SELECT installed_rank || '/' || version || '/' || checksum || '/' || success FROM flyway_schema_history ORDER BY installed_rank");
            assertThat(h)
                    .as("shard %d: history", shard)
                    .hasSize(1)
                    .allMatch(r -> r.startsWith("1/1/") && r.endsWith("/true"));
            if (history == null) history = h;
            assertThat(h).as("history equal on every shard").isEqualTo(history);
        }

        assertThat(migrate(url).migrationsExecuted).as("second run is a no-op").isZero();
        for (int shard = 0; shard < 2; shard++) {
            assertThat(
                            CompatFixture.direct(
                                    cluster.primary(shard),
                                    "SELECT installed_rank || '/' || version || '/' || checksum || '/' || success FROM flyway_schema_history ORDER BY installed_rank"))
                    .as("shard %d: history unchanged", shard)
                    .isEqualTo(history);
            assertThat(CompatFixture.direct(cluster.primary(shard), "SELECT count(*) FROM pg_prepared_xacts"))
                    .as("shard %d: no transaction left prepared", shard)
                    .containsExactly("0");
        }
    }
}
