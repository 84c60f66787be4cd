package dev.shardline.testkit;

import dev.shardline.testkit.internal.FreePorts;
import dev.shardline.testkit.internal.Procs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A three-master Redis Cluster of the test's own on loopback (no replicas, no persistence), built
 * from the {@code redis-server} and {@code redis-cli} binaries; {@link #available()} says whether they
 * are installed (there is no embedded fallback for a cluster).
 */
public final class RedisCluster implements AutoCloseable {
    private static final int MASTERS = 3;

    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::killAll, "redis-cluster-shutdown");

    private RedisCluster() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Whether both binaries a cluster needs are installed. */
    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/redis-server"))
                && Files.isExecutable(Path.of("/usr/bin/redis-cli"));
    }

    /**
     * Starts three masters, joins them with {@code redis-cli --cluster create} and waits until the
     * cluster reports {@code cluster_state:ok} (at most 30 s).
     */
    public static RedisCluster start() {
        if (!available()) throw new IllegalStateException("a Redis Cluster needs /usr/bin/redis-server and redis-cli");
        RedisCluster c = new RedisCluster();
        try {
            for (int i = 0; i < MASTERS; i++) c.startNode();
            List<String> create = new ArrayList<>(List.of("/usr/bin/redis-cli", "--cluster", "create"));
            for (int p : c.ports) create.add("127.0.0.1:" + p);
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Procs.run(create, 60);
            c.awaitOk();
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Returns the nodes as Redisson takes them ({@code redis://127.0.0.1:port}). */
    public List<String> nodeAddresses() {
        return ports.stream().map(p -> "redis://127.0.0.1:" + p).toList();
    }

    private void startNode() {
        int port = FreePorts.next();
        int bus = FreePorts.next();
        try {
            Path dir = Files.createTempDirectory("shardline-redis-cluster-");
            processes.add(new ProcessBuilder(
                            "/usr/bin/redis-server",
                            "--port",
                            String.valueOf(port),
                            "--cluster-port",
                            String.valueOf(bus),
                            "--bind",
                            "127.0.0.1",
                            "--cluster-enabled",
                            "yes",
                            "--cluster-config-file",
                            dir.resolve("nodes.conf").toString(),
                            "--cluster-node-timeout",
                            "5000",
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--dir",
                            dir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start());
            ports.add(port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a cluster node on port " + port, e);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try {
                if (Procs.run(List.of("/usr/bin/redis-cli", "-p", String.valueOf(port), "ping"), 5)
                        .contains("PONG")) return;
            } catch (IllegalStateException notYet) {
                // not accepting connections yet
            }
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("cluster node on port " + port + " did not start within 10 s");
            sleep(20);
        }
    }

    private void awaitOk() {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            boolean ok = true;
            for (int p : ports) {
                String info = Procs.run(List.of("/usr/bin/redis-cli", "-p", String.valueOf(p), "cluster", "info"), 5);
                ok &= info.contains("cluster_state:ok");
            }
            if (ok) return;
            if (System.nanoTime() > deadline)
                throw new IllegalStateException(
                        "the Redis Cluster on " + ports + " did not reach cluster_state:ok in 30 s");
            sleep(100);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting a Redis Cluster", e);
        }
    }

    private void killAll() {
        for (Process p : processes) Procs.killTree(p.pid());
        processes.clear();
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs anyway
        }
    }
}
