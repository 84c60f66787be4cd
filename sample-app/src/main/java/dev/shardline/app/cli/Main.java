package dev.shardline.app.cli;

import picocli.CommandLine;

/** The {@code shardline} launcher: exits with the command's exit code. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The launcher's command line. A failure Shardline reports itself (a bad config, a server it
     * cannot reach, an invalid slot...) already names the file, key or server and what to do: it is
     * printed as that one message with exit code 2, not as a stack trace. Anything else is a bug and
     * keeps its trace.
     */
    static CommandLine commandLine() {
        return new CommandLine(new ShardlineCommand()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (!e.getClass().getName().startsWith("dev.shardline.") || e.getMessage() == null) throw e;
            cmd.getErr().println(e.getMessage());
            return 2;
        });
    }
}
