package dev.shardline.config;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** One physical shard: a primary, its streaming replicas and the pool settings used for each. */
public record ShardSpec(String name, Endpoint primary, List<Endpoint> replicas, PoolSettings pool) {
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public ShardSpec {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new ShardlineConfigException(
                    "a shard name must be lower-case letters, digits, '-' or '_' (at most 63), was '" + name + "'");
        }
        Objects.requireNonNull(primary, "primary");
        replicas = List.copyOf(replicas);
        Objects.requireNonNull(pool, "pool");
    }

    /** Returns primary then replicas. */
    public List<Endpoint> endpoints() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(primary), replicas.stream())
                .toList();
    }
}
