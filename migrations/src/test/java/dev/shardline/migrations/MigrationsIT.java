package dev.shardline.migrations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.config.ShardlineConfigException;
import dev.shardline.migrations.ShardResult.State;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.PgNode;
import dev.shardline.testkit.WithPgCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

@WithPgCluster(primaries = 4, replicas = 0, shared = false)
class MigrationsIT {
    private static final AtomicInteger DBS = new AtomicInteger();
    private final PgCluster cluster;

    MigrationsIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    /** A fresh database on every primary and a shardline.yaml over them, so tests never share history. */
    private Path project(String changelog) throws Exception {
        String db = "mig" + DBS.incrementAndGet();
        Path dir = Files.createTempDirectory("migrations-it");
        StringBuilder y = new StringBuilder("shards:\n");
        for (int i = 0; i < 4; i++) {
            PgNode p = cluster.primary(i);
            p.execute("CREATE DATABASE " + db);
            y.append("  - name: shard-")
                    .append(i)
                    .append("\n    primary: jdbc:postgresql://127.0.0.1:")
                    .append(p.port())
                    .append('/')
                    .append(db)
                    .append('\n');
        }
        y.append(
                "tables:\n  sharded:\n    accounts: tenant_id\nmigrations:\n  changelog: changelog.yaml\n  workers: 4\n  failFast: false\n");
        Files.writeString(dir.resolve("changelog.yaml"), changelog);
        return Files.writeString(dir.resolve("shardline.yaml"), y.toString());
    }

    private static String changeSet(String id, String sql) {
        return "  - changeSet:\n      id: " + id
                + "\n      author: test\n      changes:\n        - sql:\n            sql: " + sql + "\n";
    }

    private static final String BASE = "databaseChangeLog:\n"
            + changeSet(
                    "1",
                    "CREATE TABLE accounts (tenant_id text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))")
            + changeSet("2", "CREATE INDEX accounts_id ON accounts (id)");

    private String dbOf(Path yaml, int shard) throws Exception {
        String text = Files.readString(yaml);
        int at = text.indexOf("shard-" + shard);
        String url = text.substring(text.indexOf("jdbc:", at), text.indexOf('\n', text.indexOf("jdbc:", at)));
        return url;
    }

    private void exec(Path yaml, int shard, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(dbOf(yaml, shard), "postgres", "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private boolean anyLocked(Path yaml) throws Exception {
        for (int i = 0; i < 4; i++) {
            try (Connection c = DriverManager.getConnection(dbOf(yaml, i), "postgres", "");
                    Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT to_regclass('databasechangeloglock') IS NOT NULL")) {
                    rs.next();
                    if (!rs.getBoolean(1)) continue;
                }
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM databasechangeloglock WHERE locked")) {
                    rs.next();
                    if (rs.getInt(1) > 0) return true;
                }
            }
        }
        return false;
    }

    @Test
    void migrate_fresh_allShardsApplied_rerunNoop_newChangeSetOnly() throws Exception {
        Path yaml = project(BASE);
        MigrationReport first = ShardMigrator.fromYaml(yaml).migrate();
        assertThat(first.ok()).as(first.render()).isTrue();
        assertThat(first.shards()).hasSize(4).allSatisfy(r -> {
            assertThat(r.state()).isEqualTo(State.UP_TO_DATE);
            assertThat(r.appliedNow()).hasSize(2);
        });
        MigrationReport again = ShardMigrator.fromYaml(yaml).migrate();
        assertThat(again.shards()).allSatisfy(r -> assertThat(r.appliedNow()).isEmpty());
        Files.writeString(
                yaml.resolveSibling("changelog.yaml"),
                BASE + changeSet("3", "ALTER TABLE accounts ADD COLUMN note text"));
        MigrationReport third = ShardMigrator.fromYaml(yaml).migrate();
        assertThat(third.shards())
                .allSatisfy(r -> assertThat(r.appliedNow()).containsExactly("changelog.yaml::3::test"));
        assertThat(ShardMigrator.fromYaml(yaml).status().shards()).allSatisfy(r -> {
            assertThat(r.applied()).isEqualTo(3);
            assertThat(r.pending()).isZero();
        });
    }

    @Test
    void migrate_oneShardConflicts_reportNamesItOthersApplied_rerunAfterFixCompletesIt() throws Exception {
        Path yaml = project(BASE);
        exec(yaml, 2, "CREATE TABLE accounts (x int)");
        MigrationReport r = ShardMigrator.fromYaml(yaml).migrate();
        assertThat(r.ok()).isFalse();
        ShardResult bad = r.shard("shard-2");
        assertThat(bad.state()).isEqualTo(State.FAILED);
        assertThat(bad.failedChangeSet()).isEqualTo("changelog.yaml::1::test");
        assertThat(bad.error()).contains("already exists").contains("run migrate again");
        assertThat(r.shards())
                .filteredOn(s -> !s.shard().equals("shard-2"))
                .allSatisfy(s -> assertThat(s.state()).isEqualTo(State.UP_TO_DATE));
        exec(yaml, 2, "DROP TABLE accounts");
        MigrationReport fixed = ShardMigrator.fromYaml(yaml).migrate();
        assertThat(fixed.ok()).as(fixed.render()).isTrue();
        assertThat(fixed.shard("shard-2").appliedNow()).hasSize(2);
        assertThat(fixed.shards())
                .filteredOn(s -> !s.shard().equals("shard-2"))
                .allSatisfy(s -> assertThat(s.appliedNow()).isEmpty());
    }

    /**
     * Liquibase commits a changeset's SQL and records it in DATABASECHANGELOG in two steps, so a kill
     * between them leaves it done but unrecorded; changelogs meant to survive crashes write
     * re-runnable SQL, as this one does (documented in docs/ARCHITECTURE.md).
     */
    private static final String RERUNNABLE = "databaseChangeLog:\n"
            + changeSet(
                    "1",
                    "CREATE TABLE IF NOT EXISTS accounts (tenant_id text NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id))")
            + changeSet("2", "CREATE INDEX IF NOT EXISTS accounts_id ON accounts (id)")
            + changeSet("slow", "SELECT pg_sleep(4)")
            + changeSet("3", "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS note text");

    @Test
    void migrate_processKilledMidRun_lockReported_releasedRerunConverges() throws Exception {
        Path yaml = project(RERUNNABLE);
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.shardline.migrations.cli.Main",
                        "migrate",
                        "--config",
                        yaml.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> anyLocked(yaml));
        } finally {
            // A crash takes the whole tree: the launcher and the per-shard processes it started.
            child.descendants().forEach(ProcessHandle::destroyForcibly);
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        // The killed process's sessions end a moment after it dies; then the lock row is known stale.
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(
                                ShardMigrator.fromYaml(yaml).status().shards())
                        .anySatisfy(s -> {
                            assertThat(s.state()).isEqualTo(State.LOCKED);
                            assertThat(s.error())
                                    .contains("looks stale")
                                    .contains("shardline migrate --release-locks " + s.shard());
                        }));
        MigrationReport blocked = ShardMigrator.fromYaml(yaml).migrate();
        assertThat(blocked.ok()).isFalse();
        assertThat(ShardMigrator.fromYaml(yaml).releaseLocks(List.of())).isNotEmpty();
        MigrationReport done = ShardMigrator.fromYaml(yaml).migrate();
        assertThat(done.ok()).as(done.render()).isTrue();
        assertThat(ShardMigrator.fromYaml(yaml).status().shards()).allSatisfy(s -> {
            assertThat(s.applied()).isEqualTo(4);
            assertThat(s.pending()).isZero();
        });
    }

    @Test
    void validate_handAppliedEditedAndSchemaDrift_eachNamed() throws Exception {
        Path yaml = project(BASE);
        assertThat(ShardMigrator.fromYaml(yaml).migrate().ok()).isTrue();
        assertThat(ShardMigrator.fromYaml(yaml).validate().clean()).isTrue();
        exec(
                yaml,
                1,
                "INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum) "
                        + "VALUES ('hotfix', 'ops', 'changelog.yaml', now(), 99, 'EXECUTED', '9:00')");
        exec(yaml, 0, "UPDATE databasechangelog SET md5sum = '9:deadbeef' WHERE id = '2'");
        exec(yaml, 3, "ALTER TABLE accounts ADD COLUMN sneaky int");
        DriftReport d = ShardMigrator.fromYaml(yaml).validate();
        assertThat(d.findings())
                .anySatisfy(f -> assertThat(f)
                        .startsWith("shard-1 - changeset changelog.yaml::hotfix::ops")
                        .contains("not in the changelog"));
        assertThat(d.findings())
                .anySatisfy(f -> assertThat(f)
                        .startsWith("shard-0 - changeset changelog.yaml::2::test")
                        .contains("changed after it was applied"));
        assertThat(d.findings())
                .anySatisfy(f -> assertThat(f)
                        .startsWith("shard-3 - table accounts differs")
                        .contains("sneaky"));
    }

    @Test
    void badInput_missingChangelog_brokenChangelog_unreachableShard_clearErrors() throws Exception {
        Path yaml = project(BASE);
        Files.delete(yaml.resolveSibling("changelog.yaml"));
        assertThatThrownBy(() -> ShardMigrator.fromYaml(yaml))
                .isInstanceOf(ShardlineConfigException.class)
                .hasMessageContaining("migrations.changelog - changelog file not found at");
        Files.writeString(yaml.resolveSibling("changelog.yaml"), "databaseChangeLog:\n  - changeSet: [oops\n");
        MigrationReport broken = ShardMigrator.fromYaml(yaml).migrate();
        assertThat(broken.shards()).allSatisfy(s -> {
            assertThat(s.state()).isEqualTo(State.FAILED);
            assertThat(s.error()).isNotBlank();
        });
        Files.writeString(yaml.resolveSibling("changelog.yaml"), BASE);
        Path dead = Files.writeString(yaml, Files.readString(yaml).replaceFirst("127.0.0.1:\\d+", "127.0.0.1:1"));
        MigrationReport r = ShardMigrator.fromYaml(dead).migrate();
        assertThat(r.shard("shard-0").state()).isEqualTo(State.UNREACHABLE);
        assertThat(r.shard("shard-0").error()).contains("cannot connect to jdbc:postgresql://127.0.0.1:1/");
        assertThat(r.shard("shard-1").state()).isEqualTo(State.UP_TO_DATE);
    }
}
