package dev.shardline.testkit;

import dev.shardline.testkit.internal.FreePorts;
import dev.shardline.testkit.internal.Procs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A Redis server of the test's own on a free loopback port: the {@code redis-server} binary when
 * installed, else embedded Redis. It can be killed and restarted on the same port for fault tests.
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final String binary;
    private Process process;
    private redis.embedded.RedisServer embedded;
    private final Thread shutdownHook;

    private RedisServer(int port, Path dir, String binary) {
        this.port = port;
        this.dir = dir;
        this.binary = binary;
        // A test JVM that ends without close() (a failed fixture, System.exit) must not leave a server behind.
        this.shutdownHook = new Thread(this::killQuietly, "redis-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a fresh server with no persistence. */
    public static RedisServer start() {
        try {
            Path dir = Files.createTempDirectory("shardline-redis-");
            RedisServer r = new RedisServer(FreePorts.next(), dir, findBinary());
            r.restart();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for Redis", e);
        }
    }

    public int port() {
        return port;
    }

    /** Returns {@code redis://127.0.0.1:port}, the address form Redisson takes. */
    public String address() {
        return "redis://127.0.0.1:" + port;
    }

    public String backendName() {
        return binary != null ? binary : "embedded redis";
    }

    /** Starts the server (again) on the same port; waits until it accepts connections. */
    public synchronized void restart() {
        if (isRunning()) return;
        try {
            if (binary != null) {
                process = new ProcessBuilder(
                                binary,
                                "--port",
                                String.valueOf(port),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--dir",
                                dir.toString(),
                                "--daemonize",
                                "no")
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("redis.log").toFile())
                        .start();
            } else {
                embedded = redis.embedded.RedisServer.newRedisServer()
                        .port(port)
                        .setting("bind 127.0.0.1")
                        .setting("save \"\"")
                        .build();
                embedded.start();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Redis on port " + port, e);
        }
        awaitPort(true);
    }

    /** Kills the server abruptly (SIGKILL for the binary) and waits until the port is closed. */
    public synchronized void kill() {
        if (process != null) {
            Procs.killTree(process.pid());
            process = null;
        }
        if (embedded != null) {
            try {
                embedded.stop();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            embedded = null;
        }
        awaitPort(false);
    }

    /**
     * Stops the server process without closing its sockets (SIGSTOP): clients stay connected and get
     * no answer, as from a hung or overloaded server. Only for the binary backend.
     *
     * @throws UnsupportedOperationException with the embedded backend, which runs in this JVM's control only
     */
    public synchronized void freeze() {
        signal("STOP");
    }

    /** Resumes a server stopped by {@link #freeze()} (SIGCONT). */
    public synchronized void thaw() {
        signal("CONT");
    }

    private void signal(String sig) {
        if (process == null)
            throw new UnsupportedOperationException(
                    "freeze/thaw need the redis-server binary backend; " + "this server is " + backendName());
        Procs.run(List.of("kill", "-" + sig, String.valueOf(process.pid())), 10);
    }

    public synchronized boolean isRunning() {
        return (process != null && process.isAlive()) || (embedded != null && embedded.isActive());
    }

    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs anyway
        }
    }

    private void killQuietly() {
        try {
            kill();
        } catch (RuntimeException e) {
            // best effort at JVM exit
        }
    }

    private void awaitPort(boolean open) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (portOpen() == open) return;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException(
                "redis on port " + port + " did not " + (open ? "start" : "stop") + " within 10 s");
    }

    private boolean portOpen() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String findBinary() {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin")) {
            Path p = Path.of(dir, "redis-server");
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }
}
