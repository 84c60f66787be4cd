package dev.shardline.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.ClassLoaderResourceAccessor;
import org.junit.jupiter.api.Test;

/**
 * Liquibase, unmodified, through {@code jdbc:shardline:}: it runs each changeset's DDL and its
 * changelog rows with auto-commit off; Shardline runs them on every shard primary and commits each
 * transaction on all shards or none (two-phase commit). Its tables are declared broadcast.
 */
// Its own cluster: the test counts changelog rows, which must start from none.
@WithPgCluster(primaries = 2, replicas = 0, shared = false)
class LiquibaseIT {
    private final PgCluster cluster;

    LiquibaseIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    private void update(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            try (Liquibase lb = new Liquibase("compat-changelog.xml", new ClassLoaderResourceAccessor(), db)) {
                lb.update("");
            }
        }
    }

    @Test
    void update_throughShardlineUrl_appliedOnEveryShardOnce_secondRunIsNoOp() throws Exception {
        String url = CompatFixture.url(cluster);
        update(url);
        List<List<String>> first = new java.util.ArrayList<>();
        for (int shard = 0; shard < 2; shard++) {
            assertThat(
                            CompatFixture.direct(
                                    cluster.primary(shard),
                                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'lb_items' ORDER BY ordinal_position"))
                    .as("shard %d: both changesets applied", shard)
                    .containsExactly("tenant_id", "id", "label", "qty");
            List<String> log = CompatFixture.direct(
                    cluster.primary(shard),
                    "SELECT id || '/' || author || '/' || orderexecuted || '/' || md5sum FROM databasechangelog ORDER BY orderexecuted");
            assertThat(log).as("shard %d: changelog", shard).hasSize(2);
            assertThat(log.get(0)).startsWith("1/compat/1/");
            assertThat(log.get(1)).startsWith("2/compat/2/");
            first.add(log);
            assertThat(CompatFixture.direct(
                            cluster.primary(shard), "SELECT count(*) FROM databasechangeloglock WHERE NOT locked"))
                    .as("shard %d: lock released", shard)
                    .containsExactly("1");
        }
        assertThat(first.get(1)).as("changelog equal on both shards").isEqualTo(first.get(0));

        update(url);
        for (int shard = 0; shard < 2; shard++) {
            assertThat(
                            CompatFixture.direct(
                                    cluster.primary(shard),
                                    "SELECT id || '/' || author || '/' || orderexecuted || '/' || md5sum FROM databasechangelog ORDER BY orderexecuted"))
                    .as("shard %d: second run is a no-op", shard)
                    .isEqualTo(first.get(0));
            assertThat(CompatFixture.direct(cluster.primary(shard), "SELECT count(*) FROM pg_prepared_xacts"))
                    .as("shard %d: no transaction left prepared", shard)
                    .containsExactly("0");
        }
    }
}
