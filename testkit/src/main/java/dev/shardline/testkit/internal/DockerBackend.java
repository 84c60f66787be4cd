package dev.shardline.testkit.internal;

import dev.shardline.testkit.PgBackend;
import dev.shardline.testkit.PgNode;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.FixedHostPortGenericContainer;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * Runs PostgreSQL in Docker containers through Testcontainers when a Docker engine answers.
 * Primaries use the official image; a replica container runs {@code pg_basebackup -R} against its
 * primary over a private network on first start, then the server. Host ports are fixed per node so
 * a killed container comes back on the same port.
 *
 * <p>Not exercised on machines without Docker (the project's CI has none); the local-binaries and
 * embedded backends are the tested ones.
 */
public final class DockerBackend implements PgBackend {
  static final String IMAGE = System.getProperty("shardline.pg.image", "postgres:15");
  private static final String SETTINGS = "-c wal_level=logical -c max_wal_senders=20 -c max_replication_slots=20 "
      + "-c hot_standby=on -c hot_standby_feedback=on -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
      + "-c wal_writer_delay=10ms -c max_connections=200";

  private final Network network = Network.newNetwork();
  private final List<GenericContainer<?>> containers = new ArrayList<>();

  /** Returns true when a Docker engine answers. */
  public static boolean available() {
    // Asking Testcontainers costs ~0.5 s and logs errors when there is no engine; look for one first.
    boolean hint = System.getenv("DOCKER_HOST") != null || java.nio.file.Files.exists(Path.of("/var/run/docker.sock"));
    if (!hint) return false;
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      return false;
    }
  }

  @Override
  public String name() {
    return "docker (" + IMAGE + ")";
  }

  @Override
  public PgNode startPrimary(String name) {
    int port = FreePorts.next();
    GenericContainer<?> c = new FixedHostPortGenericContainer<>(IMAGE)
        .withFixedExposedPort(port, 5432)
        .withNetwork(network)
        .withNetworkAliases(name)
        .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
        .withEnv("POSTGRES_DB", "shardline")
        .withCommand(("postgres " + SETTINGS).split(" "))
        .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*", 2)
            .withStartupTimeout(Duration.ofSeconds(60)));
    return start(c, name, false, port);
  }

  @Override
  public PgNode startReplica(PgNode primary, String name) {
    int port = FreePorts.next();
    String script = "set -e; if [ ! -s \"$PGDATA/PG_VERSION\" ]; then "
        + "until pg_basebackup -h " + primary.name() + " -p 5432 -U postgres -D \"$PGDATA\" -R -X stream -c fast; do sleep 1; done; "
        + "chmod 700 \"$PGDATA\"; fi; exec postgres " + SETTINGS;
    GenericContainer<?> c = new FixedHostPortGenericContainer<>(IMAGE)
        .withFixedExposedPort(port, 5432)
        .withNetwork(network)
        .withNetworkAliases(name)
        .withEnv("PGDATA", "/var/lib/postgresql/data/pgdata")
        .withCreateContainerCmdModifier(cmd -> cmd.withUser("postgres").withEntrypoint("bash", "-c", script))
        .waitingFor(Wait.forLogMessage(".*database system is ready to accept read-only connections.*", 1)
            .withStartupTimeout(Duration.ofSeconds(90)));
    return start(c, name, true, port);
  }

  private PgNode start(GenericContainer<?> c, String name, boolean replica, int port) {
    c.start();
    containers.add(c);
    return new DockerNode(c, name, replica, port);
  }

  @Override
  public void cleanup() {
    containers.forEach(GenericContainer::stop);
    network.close();
  }

  /** A server in a container; kill and start go straight to the Docker engine. */
  private static final class DockerNode implements PgNode {
    private final GenericContainer<?> c;
    private final String name;
    private final boolean replica;
    private final int port;

    DockerNode(GenericContainer<?> c, String name, boolean replica, int port) {
      this.c = c;
      this.name = name;
      this.replica = replica;
      this.port = port;
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
      return "127.0.0.1";
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public String database() {
      return "shardline";
    }

    @Override
    public Path dataDir() {
      return Path.of("/var/lib/postgresql/data");
    }

    @Override
    public void start() {
      c.getDockerClient().startContainerCmd(c.getContainerId()).exec();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        try (var conn = DriverManager.getConnection(jdbcUrl(), "postgres", "")) {
          return;
        } catch (java.sql.SQLException e) {
          sleep();
        }
      }
      throw new IllegalStateException(name + " - container did not accept connections within 60 s on port " + port);
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
      Boolean running = c.getDockerClient().inspectContainerCmd(c.getContainerId()).exec().getState().getRunning();
      return running != null && running;
    }

    @Override
    public String logTail(int lines) {
      String[] all = c.getLogs().split("\n");
      return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

    private static void sleep() {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
