package dev.shardline.migrations;

import dev.shardline.config.ConfigNode;
import dev.shardline.config.ShardlineConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code migrations:} section: which changelog to apply to every shard primary, how many shards
 * to migrate at once, whether to stop starting new shards after a failure, and when a Liquibase
 * lock counts as stale.
 *
 * @param changelog path of the changelog file (relative paths are resolved against shardline.yaml's folder)
 */
public record MigrationSettings(Path changelog, int workers, boolean failFast, Duration staleLockAfter) {
    public MigrationSettings {
        if (changelog == null)
            throw new ShardlineConfigException(
                    "migrations.changelog is required: the path of your Liquibase changelog");
        if (workers < 1 || workers > 64)
            throw new ShardlineConfigException("migrations.workers must be 1-64, was " + workers);
        if (staleLockAfter.isNegative())
            throw new ShardlineConfigException("migrations.staleLockAfter must not be negative, was " + staleLockAfter);
    }

    public static MigrationSettings of(Path changelog) {
        return new MigrationSettings(changelog, 4, true, Duration.ofMinutes(5));
    }

    /** Binds the {@code migrations:} section; {@code baseDir} resolves a relative changelog path. */
    public static MigrationSettings from(ConfigNode n, Path baseDir) {
        n.allowOnly("changelog", "workers", "failFast", "staleLockAfter");
        if (n.isMissing()) throw n.error("is required to migrate: add 'migrations: { changelog: db/changelog.yaml }'");
        String file = n.get("changelog").string();
        Path p = baseDir.resolve(file).normalize();
        if (!Files.isRegularFile(p)) {
            throw n.get("changelog")
                    .error("changelog file not found at " + p.toAbsolutePath()
                            + "; the path is relative to shardline.yaml");
        }
        return n.guard(() -> new MigrationSettings(
                p,
                n.get("workers").intOr(4, 1, 64),
                n.get("failFast").boolOr(true),
                n.get("staleLockAfter").durationOr(Duration.ofMinutes(5))));
    }

    public MigrationSettings withChangelog(Path p) {
        return new MigrationSettings(p, workers, failFast, staleLockAfter);
    }

    public MigrationSettings withWorkers(int n) {
        return new MigrationSettings(changelog, n, failFast, staleLockAfter);
    }
}
