package dev.shardline.config;

import java.util.Objects;

/**
 * One PostgreSQL server of a shard: its primary or one of its replicas.
 *
 * @param id the component name used in logs, metrics and errors, such as {@code shard-1/replica-0}
 */
public record Endpoint(String id, String shard, Role role, String jdbcUrl, String username, String password) {
    /** Whether an endpoint accepts writes. */
    public enum Role {
        PRIMARY,
        REPLICA
    }

    public Endpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new ShardlineConfigException(
                    "a shard URL must start with jdbc:postgresql://host:port/database, was '" + jdbcUrl + "'");
        }
    }

    /** Never prints the password, not even one written into the URL. */
    @Override
    public String toString() {
        return id + "(" + redactedUrl() + ", user=" + username + ")";
    }

    /** The JDBC URL with the value of any {@code password} or {@code sslpassword} parameter replaced by {@code ***}. */
    public String redactedUrl() {
        return redact(jdbcUrl);
    }

    /** Replaces password values in a JDBC URL's parameters by {@code ***}. */
    public static String redact(String url) {
        return url == null ? null : url.replaceAll("(?i)([?&;](?:ssl)?password=)[^&;]*", "$1***");
    }
}
