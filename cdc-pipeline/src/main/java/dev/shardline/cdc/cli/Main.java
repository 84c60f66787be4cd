package dev.shardline.cdc.cli;

import java.util.Arrays;
import picocli.CommandLine;

/** Process entry point of the sidecar: {@code java dev.shardline.cdc.cli.Main cdc --config shardline.yaml}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        defaultLogging();
        String[] rest = args.length > 0 && args[0].equals("cdc") ? Arrays.copyOfRange(args, 1, args.length) : args;
        System.exit(new CommandLine(new CdcCommand()).execute(rest));
    }

    /** Uses the sidecar's logging defaults unless the operator chose a configuration; call before any logger exists. */
    public static void defaultLogging() {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/shardline/cdc/sidecar-logback.xml");
        }
    }
}
