package dev.shardline.migrations.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Standalone entry point: {@code migrate | status | validate --config shardline.yaml}. */
@Command(
        name = "shardline-migrations",
        mixinStandardHelpOptions = true,
        subcommands = {MigrateCommand.class, StatusCommand.class, ValidateCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        int code = new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    System.err.println(e.getMessage());
                    return 2;
                })
                .execute(args);
        System.exit(code);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
