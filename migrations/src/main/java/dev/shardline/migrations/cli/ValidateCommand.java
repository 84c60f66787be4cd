package dev.shardline.migrations.cli;

import dev.shardline.migrations.DriftReport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code validate}: drift between shards and the changelog; exit code 1 when any is found. */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        description = "Find drift: hand-applied or edited changesets, and declared tables that differ between shards.")
public final class ValidateCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() {
        DriftReport r = config.migrator().validate();
        System.out.print(r.render());
        return r.clean() ? 0 : 1;
    }
}
