package dev.shardline.migrations;

import dev.shardline.config.Endpoint;
import dev.shardline.migrations.internal.ShardRunner;
import java.nio.file.Path;
import java.time.Duration;

/** Applies a changelog to one database that is not a shard, such as the analytics store. */
public final class Migrations {
    private Migrations() {}

    /**
     * Applies {@code changelog} to the PostgreSQL database at {@code jdbcUrl}.
     *
     * @throws ShardlineMigrationException naming the target and the failed changeset
     */
    public static ShardResult applyTo(String name, String jdbcUrl, String user, String password, Path changelog) {
        Endpoint e = new Endpoint(name, name, Endpoint.Role.PRIMARY, jdbcUrl, user, password);
        ShardResult r = new ShardRunner(e, changelog, Duration.ofMinutes(5)).migrate();
        if (!r.ok()) throw new ShardlineMigrationException(name + " - " + r.error());
        return r;
    }
}
