package dev.shardline.app.cli;

import picocli.CommandLine.Command;

/** Root of the {@code shardline} command line. */
@Command(
        name = "shardline",
        mixinStandardHelpOptions = true,
        version = "shardline 0.1.0",
        description = "Drop-in tenant sharding for JDBC applications on PostgreSQL.",
        subcommands = {
            DemoCommand.class,
            BenchCommand.class,
            ExplainCommand.class,
            dev.shardline.migrations.cli.MigrateCommand.class,
            dev.shardline.migrations.cli.StatusCommand.class,
            dev.shardline.migrations.cli.ValidateCommand.class,
            dev.shardline.cdc.cli.CdcCommand.class
        })
public final class ShardlineCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
