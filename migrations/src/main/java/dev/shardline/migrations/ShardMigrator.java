package dev.shardline.migrations;

import dev.shardline.config.ShardSpec;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.migrations.internal.DriftCheck;
import dev.shardline.migrations.internal.ShardProcess;
import dev.shardline.migrations.internal.ShardRunner;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Applies one Liquibase changelog to every shard primary of a {@code shardline.yaml}, a bounded
 * number of shards at a time, each in a process and on a plain connection of its own (replicas
 * follow by replication). Run it before building a routing DataSource: ShardingSphere reads table metadata
 * when it starts.
 *
 * <pre>{@code
 * MigrationReport r = ShardMigrator.fromYaml(Path.of("shardline.yaml")).migrate();
 * }</pre>
 */
public final class ShardMigrator {
    private final ShardlineConfig config;
    private final MigrationSettings settings;

    private ShardMigrator(ShardlineConfig config, MigrationSettings settings) {
        this.config = config;
        this.settings = settings;
    }

    /** Reads the shards and the {@code migrations:} section of {@code shardline.yaml}. */
    public static ShardMigrator fromYaml(Path yaml) {
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        Path base = yaml.toAbsolutePath().getParent();
        return new ShardMigrator(cfg, MigrationSettings.from(cfg.section("migrations"), base));
    }

    public static ShardMigrator create(ShardlineConfig config, MigrationSettings settings) {
        return new ShardMigrator(config, settings);
    }

    public MigrationSettings settings() {
        return settings;
    }

    /** Migrates every shard; with fail-fast, no new shard starts after one fails. A rerun resumes each shard where it stopped. */
    public MigrationReport migrate() {
        return migrate(ProgressListener.NONE);
    }

    public MigrationReport migrate(ProgressListener progress) {
        AtomicBoolean failed = new AtomicBoolean();
        return run(progress, r -> {
            if (settings.failFast() && failed.get()) {
                return new ShardResult(
                        r.shard(),
                        ShardResult.State.SKIPPED,
                        List.of(),
                        0,
                        -1,
                        null,
                        "not started because another shard failed first (migrations.failFast); fix that shard and run migrate again",
                        Duration.ZERO);
            }
            ShardResult res = ShardProcess.migrate(r.primary(), settings.changelog(), settings.staleLockAfter());
            if (!res.ok()) failed.set(true);
            return res;
        });
    }

    /** Reports applied and pending changesets and locks per shard, changing nothing. */
    public MigrationReport status() {
        return run(ProgressListener.NONE, ShardRunner::status);
    }

    /** Finds drift: changesets applied by hand, changed checksums, and sharded tables whose columns differ between shards. */
    public DriftReport validate() {
        return new DriftCheck(runners(), config.tables()).run();
    }

    /** Releases the Liquibase locks of the named shards (all when empty); returns the shards that held one. */
    public List<String> releaseLocks(Collection<String> shards) {
        List<String> released = new ArrayList<>();
        for (ShardRunner r : runners()) {
            if (!shards.isEmpty() && !shards.contains(r.shard())) continue;
            try {
                if (r.releaseLock()) released.add(r.shard());
            } catch (SQLException e) {
                throw new ShardlineMigrationException(r.shard() + " - cannot release the lock: " + e.getMessage(), e);
            }
        }
        for (String s : shards) config.shard(s);
        return released;
    }

    private List<ShardRunner> runners() {
        List<ShardRunner> out = new ArrayList<>();
        for (ShardSpec s : config.shards())
            out.add(new ShardRunner(s.primary(), settings.changelog(), settings.staleLockAfter()));
        return out;
    }

    private MigrationReport run(ProgressListener progress, java.util.function.Function<ShardRunner, ShardResult> work) {
        ExecutorService pool = Executors.newFixedThreadPool(
                Math.min(settings.workers(), config.shards().size()), r -> {
                    Thread t = new Thread(r, "shardline-migrate");
                    t.setDaemon(true);
                    return t;
                });
        try {
            List<Future<ShardResult>> futures = new ArrayList<>();
            for (ShardRunner r : runners()) {
                futures.add(pool.submit(() -> {
                    progress.started(r.shard());
                    ShardResult res = work.apply(r);
                    progress.finished(res);
                    return res;
                }));
            }
            List<ShardResult> results = new ArrayList<>();
            for (Future<ShardResult> f : futures) results.add(f.get());
            return new MigrationReport(settings.changelog().toString(), results);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShardlineMigrationException("migration interrupted; run it again to resume", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new ShardlineMigrationException("migration failed unexpectedly: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
