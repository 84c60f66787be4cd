package dev.shardline.testkit.internal;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import dev.shardline.testkit.PgNode;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import org.testcontainers.containers.GenericContainer;

/**
 * A server in a container of {@link DockerBackend}; stop, kill and start go straight to the Docker
 * engine. The host port is chosen by Docker and may change when the container starts again, so
 * {@link #port()} is read back from the engine after every start.
 */
final class DockerNode implements PgNode {
    private final GenericContainer<?> c;
    private final String name;
    private final boolean replica;
    private final String database;
    private volatile int port;

    DockerNode(GenericContainer<?> c, String name, boolean replica, String database) {
        this.c = c;
        this.name = name;
        this.replica = replica;
        this.database = database;
        this.port = c.getMappedPort(5432);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isReplica() {
        return replica;
    }

    @Override
    public String host() {
        return c.getHost();
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String database() {
        return database;
    }

    @Override
    public Path dataDir() {
        return Path.of("/var/lib/postgresql/data/pgdata");
    }

    @Override
    public void start() {
        c.getDockerClient().startContainerCmd(c.getContainerId()).exec();
        port = mappedPort();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (var conn = DriverManager.getConnection(jdbcUrl(), "postgres", "")) {
                return;
            } catch (SQLException e) {
                last = e;
                sleep();
            }
        }
        throw new IllegalStateException(name + " - container did not accept connections within 60 s on port " + port
                + (last == null ? "" : ": " + last.getMessage()) + "\n" + logTail(30));
    }

    private int mappedPort() {
        Ports.Binding[] b = c.getDockerClient()
                .inspectContainerCmd(c.getContainerId())
                .exec()
                .getNetworkSettings()
                .getPorts()
                .getBindings()
                .get(ExposedPort.tcp(5432));
        if (b == null || b.length == 0)
            throw new IllegalStateException(name + " - Docker published no host port for 5432");
        return Integer.parseInt(b[0].getHostPortSpec());
    }

    @Override
    public void stop() {
        c.getDockerClient().stopContainerCmd(c.getContainerId()).withTimeout(30).exec();
    }

    @Override
    public void kill() {
        c.getDockerClient().killContainerCmd(c.getContainerId()).exec();
    }

    @Override
    public boolean isRunning() {
        Boolean running = c.getDockerClient()
                .inspectContainerCmd(c.getContainerId())
                .exec()
                .getState()
                .getRunning();
        return running != null && running;
    }

    @Override
    public String logTail(int lines) {
        try {
            String[] all = c.getLogs().split("\n");
            return String.join("\n", Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
        } catch (RuntimeException e) {
            return "(no container log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return name + ":" + port;
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
