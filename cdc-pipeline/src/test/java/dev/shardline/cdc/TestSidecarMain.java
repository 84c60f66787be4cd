package dev.shardline.cdc;

import dev.shardline.cdc.cli.CdcCommand;
import dev.shardline.cdc.cli.Main;
import dev.shardline.cdc.internal.SidecarCache;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import picocli.CommandLine;

/**
 * The sidecar entry point for tests: {@link Main}'s command with the built-in RedissonCacheAside
 * invalidator wrapped in a {@link RecordingInvalidator} on the same Redis; with
 * {@code -Dtest.sinklog=FILE}, also a user sink that fails one batch in ten and appends
 * {@code table:tenant:id} of every change it applied to FILE.
 */
public final class TestSidecarMain {
    private TestSidecarMain() {}

    public static void main(String[] args) {
        Main.defaultLogging();
        String redis = System.getProperty("test.redis");
        CdcCommand cmd = redis == null
                ? new CdcCommand((cfg, cdc, registry) -> null)
                : new CdcCommand(
                        (cfg, cdc, registry) -> new RecordingInvalidator(SidecarCache.open(cfg, cdc, registry), redis));
        String sinkLog = System.getProperty("test.sinklog");
        if (sinkLog != null) cmd.withSink(new FlakyLoggingSink(Path.of(sinkLog)));
        System.exit(new CommandLine(cmd).execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }

    /** Fails one batch in ten at random before applying it; logs what it applied (the page cache survives SIGKILL). */
    static final class FlakyLoggingSink implements ChangeSink {
        private final Path file;
        private final Random rnd = new Random();

        FlakyLoggingSink(Path file) {
            this.file = file;
        }

        @Override
        public String name() {
            return "flaky";
        }

        @Override
        public void open() {}

        @Override
        public synchronized void apply(ChangeBatch batch) {
            if (!batch.events().isEmpty() && rnd.nextInt(10) == 0)
                throw new IllegalStateException("flaky sink - refusing this batch once");
            StringBuilder b = new StringBuilder();
            for (ChangeEvent e : batch.events()) {
                if (e.op() == ChangeEvent.Op.TRUNCATE) continue;
                b.append(e.table())
                        .append(':')
                        .append(e.row().get("tenant_id"))
                        .append(':')
                        .append(e.row().get("id"))
                        .append('\n');
            }
            try {
                Files.writeString(
                        file, b, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }

        @Override
        public void close() {}
    }
}
