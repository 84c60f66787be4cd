package dev.shardline.testkit.internal;

import dev.shardline.testkit.PgNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** A server run from zonky's bundled binaries. */
final class EmbeddedNode implements PgNode {
  private final String name;
  private final boolean replica;
  private final int port;
  private final Path dir;
  private final Path socketDir;
  private volatile EmbeddedPostgres pg;

  EmbeddedNode(String name, boolean replica, int port, Path dir, Path socketDir) {
    this.name = name;
    this.replica = replica;
    this.port = port;
    this.dir = dir;
    this.socketDir = socketDir;
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
    return dir;
  }

  @Override
  public synchronized void start() {
    try {
      pg = EmbeddedBackend.launch(dir, port, socketDir);
    } catch (IOException e) {
      throw new IllegalStateException(name + " - failed to start on port " + port + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void stop() {
    if (pg == null) return;
    try {
      pg.close();
    } catch (IOException e) {
      throw new IllegalStateException(name + " - failed to stop: " + e.getMessage(), e);
    } finally {
      pg = null;
    }
  }

  @Override
  public synchronized void kill() {
    long pid = postmasterPid();
    if (pid > 0) Procs.killTree(pid);
    if (pg != null) {
      try {
        // Releases zonky's lock on the data directory so the node can start again.
        pg.close();
      } catch (IOException | RuntimeException alreadyDead) {
        // the server is gone; only the lock mattered
      }
      pg = null;
    }
  }

  @Override
  public boolean isRunning() {
    long pid = postmasterPid();
    return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Override
  public String logTail(int lines) {
    return "(embedded PostgreSQL logs go to the application log)";
  }

  void executeOn(String database, String sql) {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(name + " - " + sql + " failed: " + e.getMessage(), e);
    }
  }

  private long postmasterPid() {
    try {
      Path pidFile = dir.resolve("postmaster.pid");
      if (!Files.exists(pidFile)) return -1;
      List<String> lines = Files.readAllLines(pidFile);
      return Long.parseLong(lines.get(0).trim());
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  @Override
  public String toString() {
    return name + ":" + port;
  }
}
