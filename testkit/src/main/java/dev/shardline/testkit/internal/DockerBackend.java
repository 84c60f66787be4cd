package dev.shardline.testkit.internal;

import dev.shardline.testkit.PgBackend;
import dev.shardline.testkit.PgNode;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Runs PostgreSQL in Docker through Testcontainers: primaries are {@link PostgreSQLContainer}s of
 * {@code postgres:15} (override with {@code -Dshardline.pg.image}) on random host ports; each
 * replica is a container of the same image on a private network that clones its primary with
 * {@code pg_basebackup -R} by network alias, then serves read-only.
 *
 * <p>Chosen only when asked for ({@code SHARDLINE_PG_BACKEND=docker} or
 * {@code -Dshardline.pg.backend=docker}). Where no registry is reachable, {@code .ci/docker-setup}
 * builds a compatible {@code postgres:15} locally; Testcontainers then needs
 * {@code TESTCONTAINERS_RYUK_DISABLED=true}, {@code TESTCONTAINERS_CHECKS_DISABLE=true} and
 * {@code TESTCONTAINERS_HOST_OVERRIDE=localhost}.
 */
public final class DockerBackend implements PgBackend {
    static final String IMAGE = System.getProperty("shardline.pg.image", "postgres:15");
    static final String DATABASE = "shardline";
    private static final String PGDATA = "/var/lib/postgresql/data/pgdata";
    private static final String[] SETTINGS = {
        "-c", "wal_level=logical", "-c", "max_wal_senders=20", "-c", "max_replication_slots=20",
        "-c", "hot_standby=on", "-c", "hot_standby_feedback=on", "-c", "wal_receiver_status_interval=1s",
        "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        "-c", "wal_writer_delay=10ms", "-c", "max_connections=200", "-c", "max_prepared_transactions=32"
    };
    // The official image's pg_hba only admits "all" databases from the network, which excludes
    // replication connections; replicas on the container network need one more line.
    private static final String ALLOW_REPLICATION =
            "#!/bin/bash\necho 'host replication all all trust' >> \"$PGDATA/pg_hba.conf\"\n";

    private final Network network = Network.newNetwork();
    private final List<GenericContainer<?>> containers = new ArrayList<>();

    @Override
    public String name() {
        return "docker (" + IMAGE + ")";
    }

    @Override
    public PgNode startPrimary(String name) {
        PostgreSQLContainer c = new PostgreSQLContainer(
                        DockerImageName.parse(IMAGE).asCompatibleSubstituteFor("postgres"))
                .withDatabaseName(DATABASE)
                .withUsername("postgres")
                .withPassword("postgres")
                .withNetwork(network)
                .withNetworkAliases(name)
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
                .withEnv("PGDATA", PGDATA)
                .withCopyToContainer(
                        Transferable.of(ALLOW_REPLICATION, 0755), "/docker-entrypoint-initdb.d/10-replication.sh");
        String[] cmd = new String[SETTINGS.length + 1];
        cmd[0] = "postgres";
        System.arraycopy(SETTINGS, 0, cmd, 1, SETTINGS.length);
        c.withCommand(cmd);
        return start(c, name, false);
    }

    @Override
    public PgNode startReplica(PgNode primary, String name) {
        // Cloned once, on first start; a restarted replica keeps its data directory and resumes streaming.
        String script = "set -e; if [ ! -s \"$PGDATA/PG_VERSION\" ]; then "
                + "until pg_basebackup -h " + primary.name()
                + " -p 5432 -U postgres -D \"$PGDATA\" -R -X stream -c fast; do sleep 0.5; done; "
                + "chmod 700 \"$PGDATA\"; fi; exec postgres " + String.join(" ", SETTINGS);
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withExposedPorts(5432)
                .withNetwork(network)
                .withNetworkAliases(name)
                .withEnv("PGDATA", PGDATA)
                .withCreateContainerCmdModifier(cmd -> cmd.withUser("postgres").withEntrypoint("bash", "-c", script))
                .waitingFor(Wait.forLogMessage(".*database system is ready to accept read-only connections.*", 1)
                        .withStartupTimeout(java.time.Duration.ofSeconds(90)));
        return start(c, name, true);
    }

    private PgNode start(GenericContainer<?> c, String name, boolean replica) {
        try {
            c.start();
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    name + " - container of " + IMAGE + " did not start: " + e.getMessage()
                            + ". Is the image there (docker image ls) and does Docker answer (docker info)?",
                    e);
        }
        containers.add(c);
        return new DockerNode(c, name, replica, DATABASE);
    }

    @Override
    public void cleanup() {
        containers.forEach(GenericContainer::stop);
        network.close();
    }
}
