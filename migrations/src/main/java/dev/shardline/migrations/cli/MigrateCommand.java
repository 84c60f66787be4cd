package dev.shardline.migrations.cli;

import dev.shardline.migrations.MigrationReport;
import dev.shardline.migrations.ShardMigrator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code migrate}: apply the changelog to every shard; exit code 1 if any shard did not end up to date. */
@Command(
        name = "migrate",
        mixinStandardHelpOptions = true,
        description = "Apply the Liquibase changelog to every shard primary.")
public final class MigrateCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(
            names = "--release-locks",
            arity = "0..*",
            paramLabel = "SHARD",
            description =
                    "release the Liquibase locks of these shards (all when none named) instead of migrating; only when no migration runs")
    List<String> releaseLocks;

    @Override
    public Integer call() {
        ShardMigrator m = config.migrator();
        if (releaseLocks != null) {
            List<String> released = m.releaseLocks(releaseLocks);
            System.out.println(released.isEmpty() ? "no locks were held" : "released locks on " + released);
            return 0;
        }
        TerminalProgress progress = new TerminalProgress(System.out, System.console() != null);
        MigrationReport r = m.migrate(progress);
        progress.done();
        System.out.print(r.render());
        return r.ok() ? 0 : 1;
    }
}
