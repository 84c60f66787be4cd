package dev.shardline.app.cli;

import picocli.CommandLine;

/** The {@code shardline} launcher: exits with the command's exit code. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new ShardlineCommand()).execute(args));
    }
}
