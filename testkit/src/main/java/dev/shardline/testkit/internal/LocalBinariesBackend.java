package dev.shardline.testkit.internal;

import dev.shardline.testkit.PgBackend;
import dev.shardline.testkit.PgNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs PostgreSQL from the binaries under {@code /usr/lib/postgresql/<version>/bin}. PostgreSQL
 * refuses to run as root, so when the JVM is root every command runs as the {@code postgres} user.
 */
public final class LocalBinariesBackend implements PgBackend {
    private static final Path ROOT = Path.of("/usr/lib/postgresql");

    private final Path bin;
    private final Path base;

    public LocalBinariesBackend() {
        this.bin = findBin();
        try {
            this.base = Files.createTempDirectory("shardline-pg-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxrwxrwx"));
            chownToPostgres(base);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory for PostgreSQL", e);
        }
    }

    /** Returns true when a PostgreSQL installation with initdb and pg_basebackup is present. */
    public static boolean available() {
        try {
            findBin();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    @Override
    public String name() {
        return "local binaries " + bin;
    }

    @Override
    public PgNode startPrimary(String name) {
        Path dir = base.resolve(name);
        int port = FreePorts.next();
        run(
                List.of(
                        bin.resolve("initdb").toString(),
                        "-D",
                        dir.toString(),
                        "-U",
                        "postgres",
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                        "--no-sync"),
                120);
        appendConf(dir, port);
        LocalNode node = new LocalNode(this, name, false, port, dir);
        node.start();
        try (var c = java.sql.DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
                var st = c.createStatement()) {
            st.execute("CREATE DATABASE shardline");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(name + " - cannot create database shardline: " + e.getMessage(), e);
        }
        return node;
    }

    @Override
    public PgNode startReplica(PgNode primary, String name) {
        Path dir = base.resolve(name);
        int port = FreePorts.next();
        run(
                List.of(
                        bin.resolve("pg_basebackup").toString(),
                        "-h",
                        primary.host(),
                        "-p",
                        String.valueOf(primary.port()),
                        "-U",
                        "postgres",
                        "-D",
                        dir.toString(),
                        "-R",
                        "-X",
                        "stream",
                        "-c",
                        "fast"),
                120);
        appendConf(dir, port);
        LocalNode node = new LocalNode(this, name, true, port, dir);
        node.start();
        return node;
    }

    @Override
    public void cleanup() {
        AbstractNode.deleteTree(base);
    }

    Path bin() {
        return bin;
    }

    Path base() {
        return base;
    }

    /** Runs a PostgreSQL tool, as the postgres user when we are root. */
    String run(List<String> cmd, long timeoutSeconds) {
        List<String> full = new ArrayList<>();
        if (Procs.isRoot()) full.addAll(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(cmd);
        return Procs.run(full, timeoutSeconds);
    }

    private void appendConf(Path dir, int port) {
        String conf = String.join(
                "\n",
                "",
                "# shardline testkit",
                "port = " + port,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + base + "'",
                "wal_level = logical",
                "max_wal_senders = 20",
                "max_replication_slots = 20",
                "hot_standby = on",
                "hot_standby_feedback = on",
                "wal_receiver_status_interval = 1s",
                "max_connections = 200",
                // Shardline commits broadcast transactions (DDL, reference tables) with two-phase commit.
                "max_prepared_transactions = 32",
                "shared_buffers = 32MB",
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                "wal_writer_delay = 10ms",
                "log_min_messages = warning",
                "log_line_prefix = '%m [%p] '",
                "");
        try {
            Path file = dir.resolve("postgresql.conf");
            Files.writeString(file, conf, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write postgresql.conf in " + dir, e);
        }
    }

    private static void chownToPostgres(Path p) throws IOException {
        if (!Procs.isRoot()) return;
        UserPrincipal pg = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(p, pg);
    }

    private static Path findBin() {
        if (!Files.isDirectory(ROOT)) throw new IllegalStateException("no PostgreSQL under " + ROOT);
        try (Stream<Path> versions = Files.list(ROOT)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b ->
                            Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_basebackup")))
                    .max(Comparator.comparingInt(
                            b -> parseVersion(b.getParent().getFileName().toString())))
                    .orElseThrow(() -> new IllegalStateException("no initdb/pg_basebackup under " + ROOT + "/*/bin"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + ROOT, e);
        }
    }

    private static int parseVersion(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
