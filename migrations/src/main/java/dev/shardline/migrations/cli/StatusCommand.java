package dev.shardline.migrations.cli;

import dev.shardline.migrations.MigrationReport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code status}: applied and pending changesets per shard; exit code 1 if a shard is locked or unreachable. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show applied and pending changesets per shard.")
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() {
        MigrationReport r = config.migrator().status();
        System.out.print(r.render());
        return r.ok() ? 0 : 1;
    }
}
