package dev.shardline.testkit.internal;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** A server run from zonky's bundled binaries. */
final class EmbeddedNode extends AbstractNode {
    private final Path socketDir;
    private volatile EmbeddedPostgres pg;

    EmbeddedNode(String name, boolean replica, int port, Path dir, Path socketDir) {
        super(name, replica, port, dir);
        this.socketDir = socketDir;
    }

    @Override
    public synchronized void start() {
        try {
            pg = EmbeddedBackend.launch(dataDir(), port(), socketDir);
        } catch (IOException e) {
            throw new IllegalStateException(name() + " - failed to start on port " + port() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void stop() {
        if (pg == null) return;
        try {
            pg.close();
        } catch (IOException e) {
            throw new IllegalStateException(name() + " - failed to stop: " + e.getMessage(), e);
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
    public String logTail(int lines) {
        return "(embedded PostgreSQL logs go to the application log)";
    }

    void executeOn(String database, String sql) {
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port() + "/" + database, "postgres", "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(name() + " - " + sql + " failed: " + e.getMessage(), e);
        }
    }
}
