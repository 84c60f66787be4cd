package dev.shardline.testkit.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A server run by {@link LocalBinariesBackend} through {@code pg_ctl}. */
final class LocalNode extends AbstractNode {
    private final LocalBinariesBackend backend;

    LocalNode(LocalBinariesBackend backend, String name, boolean replica, int port, Path dir) {
        super(name, replica, port, dir);
        this.backend = backend;
    }

    private Path logFile() {
        return backend.base().resolve(name() + ".log");
    }

    @Override
    public void start() {
        try {
            backend.run(
                    List.of(
                            backend.bin().resolve("pg_ctl").toString(),
                            "-D",
                            dataDir().toString(),
                            "-l",
                            logFile().toString(),
                            "-w",
                            "-t",
                            "60",
                            "start"),
                    90);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    name() + " - failed to start on port " + port() + ": " + e.getMessage() + "\n" + logTail(30), e);
        }
    }

    @Override
    public void stop() {
        backend.run(
                List.of(
                        backend.bin().resolve("pg_ctl").toString(),
                        "-D",
                        dataDir().toString(),
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        "60",
                        "stop"),
                90);
    }

    @Override
    public void kill() {
        long pid = postmasterPid();
        if (pid > 0) Procs.killTree(pid);
    }

    @Override
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
