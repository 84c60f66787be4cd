package dev.shardline.testkit.internal;

import dev.shardline.testkit.PgNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** What every backend's node shares: identity, port, data directory and the postmaster's pid. */
abstract class AbstractNode implements PgNode {
    private final String name;
    private final boolean replica;
    private final int port;
    private final Path dir;

    AbstractNode(String name, boolean replica, int port, Path dir) {
        this.name = name;
        this.replica = replica;
        this.port = port;
        this.dir = dir;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean isReplica() {
        return replica;
    }

    @Override
    public final String host() {
        return "127.0.0.1";
    }

    @Override
    public final int port() {
        return port;
    }

    @Override
    public final String database() {
        return "shardline";
    }

    @Override
    public final Path dataDir() {
        return dir;
    }

    @Override
    public boolean isRunning() {
        long pid = postmasterPid();
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Returns the pid in {@code postmaster.pid}, or -1 when the server is not running. */
    long postmasterPid() {
        try {
            Path pidFile = dir.resolve("postmaster.pid");
            if (!Files.exists(pidFile)) return -1;
            return Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return name + ":" + port;
    }

    /** Deletes a directory tree, best effort (it lives under the system temp directory). */
    static void deleteTree(Path base) {
        try (Stream<Path> files = Files.walk(base)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
