package dev.shardline.testkit;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One PostgreSQL server of a test topology. It can be stopped, killed and started again on the
 * same data directory, which is what fault tests need; the local and embedded backends keep its
 * port too, while on Docker the engine may publish a new host port ({@link #port()} follows it).
 */
public interface PgNode {
    /** Returns a name such as {@code pg-1} or {@code pg-1-replica-0}. */
    String name();

    boolean isReplica();

    String host();

    int port();

    /** Returns the database every node serves (created on the primary before replicas are cloned). */
    String database();

    default String jdbcUrl() {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database();
    }

    default String user() {
        return "postgres";
    }

    Path dataDir();

    /** Starts a stopped or killed node on the same port and data directory; waits until it accepts connections. */
    void start();

    /** Stops the node cleanly (fast shutdown) and waits. */
    void stop();

    /** Kills the server and its backends with SIGKILL, as a crash would. */
    void kill();

    boolean isRunning();

    /** Returns the last {@code lines} lines of the server log, for failure reports. */
    String logTail(int lines);

    default Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user(), "");
    }

    /** Runs statements on this node in autocommit mode. */
    default void execute(String... sql) {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            for (String q : sql) s.execute(q);
        } catch (SQLException e) {
            throw new IllegalStateException(name() + " - statement failed: " + e.getMessage(), e);
        }
    }
}
