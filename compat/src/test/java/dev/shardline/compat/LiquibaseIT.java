package dev.shardline.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.routing.CrossShardException;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import org.junit.jupiter.api.Test;

/**
 * Liquibase through {@code jdbc:shardline:} is refused, by design, and this records exactly where:
 * Liquibase runs each changeset's DDL with auto-commit off, and DDL that must run on every shard
 * cannot be one transaction across shards (it could commit on some shards only). Run Liquibase per
 * physical primary instead (the migrations module does), or run plain DDL with auto-commit on.
 */
@WithPgCluster(primaries = 2, replicas = 0)
class LiquibaseIT {
  private final PgCluster cluster;

  LiquibaseIT(PgCluster cluster) {
    this.cluster = cluster;
  }

  @Test
  void update_throughShardlineUrl_refusedAsDdlInsideATransaction_nothingHalfApplied() throws Exception {
    String url = CompatFixture.url(cluster);
    try (Connection c = DriverManager.getConnection(url)) {
      Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
      assertThatThrownBy(() -> {
        try (Liquibase lb = new Liquibase("compat-changelog.xml", new ClassLoaderResourceAccessor(), db)) {
          lb.update("");
        }
      }).hasRootCauseInstanceOf(CrossShardException.class)
          .rootCause().hasMessageContaining("DDL").hasMessageContaining("cannot be part of one transaction")
          .hasMessageContaining("CREATE TABLE databasechangelog");
    }
    for (int shard = 0; shard < 2; shard++) {
      assertThat(CompatFixture.direct(cluster.primary(shard),
          "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('databasechangelog', 'lb_items')"))
          .as("shard %d: nothing half-applied", shard).containsExactly("0");
    }
  }
}
