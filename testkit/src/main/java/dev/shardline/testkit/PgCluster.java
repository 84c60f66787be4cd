package dev.shardline.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running PostgreSQL topology for tests and demos: N primaries, each with M streaming replicas,
 * all with {@code wal_level=logical}, on free loopback ports. Closing it stops every server and
 * deletes its files; a JVM shutdown hook does the same if a test forgets.
 */
public final class PgCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PgCluster.class);

    private final PgBackend backend;
    private final List<PgNode> primaries;
    private final List<List<PgNode>> replicas;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private PgCluster(PgBackend backend, List<PgNode> primaries, List<List<PgNode>> replicas) {
        this.backend = backend;
        this.primaries = List.copyOf(primaries);
        this.replicas = replicas.stream().map(List::copyOf).toList();
        this.shutdownHook = new Thread(this::closeQuietly, "pg-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts {@code primaries} primaries with {@code replicasEach} replicas each on the automatically chosen backend. */
    public static PgCluster start(int primaries, int replicasEach) {
        return start(primaries, replicasEach, PgBackend.detect());
    }

    /** Starts the topology on the given backend; on any failure, already started servers are stopped. */
    public static PgCluster start(int primaries, int replicasEach, PgBackend backend) {
        if (primaries < 1) throw new IllegalArgumentException("primaries must be at least 1, was " + primaries);
        if (replicasEach < 0) throw new IllegalArgumentException("replicasEach must be 0 or more, was " + replicasEach);
        long t0 = System.nanoTime();
        List<PgNode> ps = new ArrayList<>();
        List<List<PgNode>> rs = new ArrayList<>();
        try {
            for (int i = 0; i < primaries; i++) ps.add(backend.startPrimary("pg-" + i));
            for (int i = 0; i < primaries; i++) {
                List<PgNode> mine = new ArrayList<>();
                for (int r = 0; r < replicasEach; r++)
                    mine.add(backend.startReplica(ps.get(i), ps.get(i).name() + "-replica-" + r));
                rs.add(mine);
            }
        } catch (RuntimeException e) {
            ps.forEach(PgCluster::stopQuietly);
            rs.forEach(l -> l.forEach(PgCluster::stopQuietly));
            backend.cleanup();
            throw e;
        }
        PgCluster c = new PgCluster(backend, ps, rs);
        LOG.info("started {} on {} in {} ms", c.describe(), backend.name(), (System.nanoTime() - t0) / 1_000_000);
        return c;
    }

    public List<PgNode> primaries() {
        return primaries;
    }

    public PgNode primary(int shard) {
        return primaries.get(shard);
    }

    public List<PgNode> replicas(int shard) {
        return replicas.get(shard);
    }

    public List<PgNode> allNodes() {
        List<PgNode> all = new ArrayList<>(primaries);
        replicas.forEach(all::addAll);
        return all;
    }

    public String backendName() {
        return backend.name();
    }

    /** Runs statements on every primary; replicas receive them by replication. */
    public void executeOnPrimaries(String... sql) {
        primaries.forEach(p -> p.execute(sql));
    }

    /**
     * Waits until every replica of every primary has replayed what its primary has written so far.
     *
     * @throws IllegalStateException naming the replica if it does not catch up within {@code timeout}
     */
    public void awaitReplication(Duration timeout) {
        for (int i = 0; i < primaries.size(); i++) {
            String lsn = queryString(primaries.get(i), "SELECT pg_current_wal_insert_lsn()::text");
            for (PgNode r : replicas.get(i)) {
                long deadline = System.nanoTime() + timeout.toNanos();
                while (!dev.shardline.config.WalPosition.caughtUp(
                        queryString(r, "SELECT coalesce(pg_last_wal_replay_lsn(), '0/0')::text"), lsn)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                r.name() + " - did not replay up to " + lsn + " within " + timeout);
                    }
                    sleep(10);
                }
            }
        }
    }

    /**
     * Writes a {@code shardline.yaml} for this topology: one shard per primary named {@code shard-i},
     * its replicas, and {@code extraYaml} appended (tables, buckets, routing...).
     */
    public Path writeShardlineYaml(Path file, String extraYaml) {
        StringBuilder y = new StringBuilder(
                "defaults:\n  username: postgres\n  pool: { maxSize: 8, minIdle: 1, connectionTimeout: 1s }\nshards:\n");
        for (int i = 0; i < primaries.size(); i++) {
            y.append("  - name: shard-").append(i).append('\n');
            y.append("    primary: ").append(primaries.get(i).jdbcUrl()).append('\n');
            if (!replicas.get(i).isEmpty()) {
                y.append("    replicas:\n");
                for (PgNode r : replicas.get(i))
                    y.append("      - ").append(r.jdbcUrl()).append('\n');
            }
        }
        y.append(extraYaml);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, y.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    /** Returns the log tails of every node, for a failure report. */
    public String logs(int linesEach) {
        return allNodes().stream()
                .map(n -> "----- " + n.name() + " (port " + n.port() + ") -----\n" + n.logTail(linesEach))
                .collect(Collectors.joining("\n"));
    }

    public String describe() {
        return primaries.size() + " primaries x "
                + (replicas.isEmpty() ? 0 : replicas.get(0).size()) + " replicas "
                + allNodes().stream().map(n -> n.name() + ":" + n.port()).toList();
    }

    @Override
    public void close() {
        closeQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running or ran
        }
    }

    private synchronized void closeQuietly() {
        if (closed) return;
        closed = true;
        replicas.forEach(l -> l.forEach(PgCluster::stopQuietly));
        primaries.forEach(PgCluster::stopQuietly);
        backend.cleanup();
    }

    private static void stopQuietly(PgNode n) {
        try {
            if (n.isRunning()) n.stop();
        } catch (RuntimeException e) {
            LOG.warn("{} - stop failed, killing: {}", n.name(), e.getMessage());
            try {
                n.kill();
            } catch (RuntimeException ignored) {
                // nothing more can be done at teardown
            }
        }
    }

    static String queryString(PgNode n, String sql) {
        try (Connection c = n.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(n.name() + " - " + sql + " failed: " + e.getMessage(), e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
