package dev.shardline.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.routing.CrossShardException;
import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.routing.Tenants;
import dev.shardline.routing.UnverifiableStatementException;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Flyway through Shardline is refused, and this records each step precisely: Flyway chooses its
 * database plugin by URL prefix (none for {@code jdbc:shardline:}); given the DataSource, its
 * PostgreSQL plugin restores the session with {@code SET ROLE}, which Shardline refuses (it pins the
 * role on every connection); inside {@code Tenants.unrestricted} it gets further and creates its
 * history table inside a transaction, which Shardline refuses as DDL on every shard cannot be one
 * transaction. Run Flyway per physical primary. Nothing is half-applied.
 */
// Its own cluster: Flyway refuses a non-empty schema without a history table, and the shared one holds other tests' tables.
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class FlywayIT {
  private final PgCluster cluster;

  FlywayIT(PgCluster cluster) {
    this.cluster = cluster;
  }

  @Test
  void migrate_throughShardline_refusedAtEachStep_nothingHalfApplied() throws Exception {
    String url = CompatFixture.url(cluster);
    assertThatThrownBy(() -> Flyway.configure().dataSource(url, "", "").locations("classpath:db/compat-flyway").load().migrate())
        .hasMessageContaining("No Flyway database plugin found to handle jdbc:shardline:");
    try (ShardlineDataSource ds = ShardlineDataSource.fromYaml(Path.of(url.substring("jdbc:shardline:".length())))) {
      assertThatThrownBy(() -> Flyway.configure().dataSource(ds).locations("classpath:db/compat-flyway").load().migrate())
          .hasRootCauseInstanceOf(UnverifiableStatementException.class)
          .rootCause().hasMessageContaining("SET ROLE");
      assertThatThrownBy(() -> Tenants.unrestricted("flyway migrate",
          () -> Flyway.configure().dataSource(ds).locations("classpath:db/compat-flyway").load().migrate()))
          .hasRootCauseInstanceOf(CrossShardException.class)
          .rootCause().hasMessageContaining("cannot be part of one transaction").hasMessageContaining("flyway_schema_history");
    }
    for (int shard = 0; shard < 2; shard++) {
      assertThat(CompatFixture.direct(cluster.primary(shard),
          "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('fw_items', 'flyway_schema_history')"))
          .as("shard %d: nothing half-applied", shard).containsExactly("0");
    }
  }
}
