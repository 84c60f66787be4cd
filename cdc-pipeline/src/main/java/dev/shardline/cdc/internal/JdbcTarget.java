package dev.shardline.cdc.internal;

import dev.shardline.cdc.ShardlineCdcException;
import java.net.URI;

/** Host, port and database of a {@code jdbc:postgresql://} URL, as Debezium wants them. */
record JdbcTarget(String host, int port, String database) {
    static JdbcTarget parse(String jdbcUrl) {
        try {
            URI u = URI.create(jdbcUrl.substring("jdbc:".length()));
            String db = u.getPath() == null || u.getPath().length() < 2
                    ? "postgres"
                    : u.getPath().substring(1);
            return new JdbcTarget(u.getHost(), u.getPort() < 0 ? 5432 : u.getPort(), db);
        } catch (RuntimeException e) {
            throw new ShardlineCdcException(
                    "cdc - cannot read host, port and database from '" + jdbcUrl
                            + "'; use the form jdbc:postgresql://host:port/database",
                    e);
        }
    }
}
