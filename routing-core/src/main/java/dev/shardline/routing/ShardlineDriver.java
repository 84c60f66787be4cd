package dev.shardline.routing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The {@code jdbc:shardline:<path to shardline.yaml>} driver: an application that configures a
 * JDBC URL instead of a DataSource gets Shardline by changing only the URL. One
 * {@link ShardlineDataSource} is built per file and shared by every connection to it.
 */
public final class ShardlineDriver implements Driver {
    public static final String PREFIX = "jdbc:shardline:";
    private static final Map<Path, ShardlineDataSource> SOURCES = new ConcurrentHashMap<>();

    static {
        try {
            DriverManager.registerDriver(new ShardlineDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) return null;
        String file = url.substring(PREFIX.length());
        int q = file.indexOf('?');
        if (q >= 0) file = file.substring(0, q);
        if (file.isBlank()) {
            throw new SQLException(
                    "shardline - the URL must name a shardline.yaml, e.g. jdbc:shardline:/etc/app/shardline.yaml; was "
                            + url,
                    "08001");
        }
        Path path = Path.of(file).toAbsolutePath().normalize();
        try {
            return SOURCES.computeIfAbsent(path, ShardlineDataSource::fromYaml).getConnection();
        } catch (RuntimeException e) {
            throw new SQLException(e.getMessage(), "08001", e);
        }
    }

    /** Closes the DataSource built for {@code path}, if any (for tests and orderly shutdown). */
    public static void close(Path path) {
        ShardlineDataSource ds = SOURCES.remove(path.toAbsolutePath().normalize());
        if (ds != null) ds.close();
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("shardline logs through SLF4J", "0A000");
    }
}
