package dev.shardline.testkit.internal;

import dev.shardline.testkit.PgNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A server run by {@link LocalBinariesBackend} through {@code pg_ctl}. */
final class LocalNode implements PgNode {
  private final LocalBinariesBackend backend;
  private final String name;
  private final boolean replica;
  private final int port;
  private final Path dir;

  LocalNode(LocalBinariesBackend backend, String name, boolean replica, int port, Path dir) {
    this.backend = backend;
    this.name = name;
    this.replica = replica;
    this.port = port;
    this.dir = dir;
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

  private Path logFile() {
    return backend.base().resolve(name + ".log");
  }

  @Override
  public void start() {
    try {
      backend.run(List.of(backend.bin().resolve("pg_ctl").toString(), "-D", dir.toString(), "-l", logFile().toString(),
          "-w", "-t", "60", "start"), 90);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(name + " - failed to start on port " + port + ": " + e.getMessage()
          + "\n" + logTail(30), e);
    }
  }

  @Override
  public void stop() {
    backend.run(List.of(backend.bin().resolve("pg_ctl").toString(), "-D", dir.toString(), "-m", "fast", "-w", "-t", "60", "stop"), 90);
  }

  @Override
  public void kill() {
    long pid = postmasterPid();
    if (pid > 0) Procs.killTree(pid);
  }

  @Override
  public boolean isRunning() {
    long pid = postmasterPid();
    return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
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

  private long postmasterPid() {
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
}
