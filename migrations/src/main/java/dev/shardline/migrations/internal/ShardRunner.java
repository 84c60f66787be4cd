package dev.shardline.migrations.internal;

import dev.shardline.config.Endpoint;
import dev.shardline.migrations.ShardResult;
import dev.shardline.migrations.ShardResult.State;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import liquibase.Liquibase;
import liquibase.changelog.ChangeSet;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.DirectoryResourceAccessor;

/**
 * Runs Liquibase against one shard primary over a plain pgJDBC connection (never through a
 * sharding DataSource), reading Liquibase's own tables directly for locks and history.
 */
public final class ShardRunner {
    /** Advisory lock key: the bytes of "shardline" folded into a bigint. */
    private static final long ADVISORY_KEY = 0x73686172646c696eL;

    private static final Pattern FAILED =
            Pattern.compile("changeset\\s+(\\S+::\\S+::\\S+?)[:\\s]", Pattern.CASE_INSENSITIVE);

    private final Endpoint primary;
    private final Path changelog;
    private final Duration staleAfter;

    public ShardRunner(Endpoint primary, Path changelog, Duration staleAfter) {
        this.primary = primary;
        this.changelog = changelog;
        this.staleAfter = staleAfter;
    }

    public String shard() {
        return primary.shard();
    }

    public Endpoint primary() {
        return primary;
    }

    /** A changeset recorded in DATABASECHANGELOG. */
    public record Applied(String key, String checksum) {}

    /** Applies every pending changeset; never throws, the result says what happened. */
    public ShardResult migrate() {
        long t0 = System.nanoTime();
        try (Connection c = connect()) {
            if (!tryAdvisoryLock(c)) {
                return result(
                        State.LOCKED,
                        List.of(),
                        c,
                        null,
                        "another Shardline migration is running on this shard now; wait for it to finish",
                        t0);
            }
            String lock = lockProblem(c, true);
            if (lock != null) return result(State.LOCKED, List.of(), c, null, lock, t0);
            Map<String, Applied> before = applied(c);
            try (Liquibase lb = liquibase(c)) {
                // Liquibase remembers "this database is up to date" per JVM; a changelog edited since must be re-read.
                liquibase.Scope.getCurrentScope()
                        .getSingleton(liquibase.changelog.FastCheckService.class)
                        .clearCache();
                lb.update("");
            } catch (Exception e) {
                releaseOwnLock(c);
                String failed = failedChangeSet(e);
                List<String> now = newlyApplied(before, applied(c));
                return result(
                        State.FAILED,
                        now,
                        c,
                        failed,
                        rootMessage(e)
                                + ". Fix the cause on this shard (or the changeset), then run migrate again: it resumes from "
                                + (failed == null ? "the failed changeset" : failed) + ".",
                        t0);
            }
            releaseOwnLock(c);
            return result(State.UP_TO_DATE, newlyApplied(before, applied(c)), c, null, null, t0);
        } catch (SQLException e) {
            return unreachable(e, t0);
        }
    }

    /**
     * Takes a session advisory lock for the whole run. PostgreSQL drops it when the session ends, so
     * unlike Liquibase's lock row it can never outlive a killed migrator: a held lock row with a free
     * advisory lock is exactly a stale lock.
     */
    private static boolean tryAdvisoryLock(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + ADVISORY_KEY + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** True when a live session holds the migration advisory lock. */
    private static boolean migratorActive(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database "
                                + "WHERE datname = current_database()) AND ((classid::bigint << 32) | objid::bigint) = "
                                + ADVISORY_KEY)) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    /**
     * Releases the lock row this run took. Liquibase's lock services are process-wide singletons, and
     * with shards migrated in parallel one run's reset can drop another's service before it unlocks;
     * holding the advisory lock proves the row is ours.
     */
    private static void releaseOwnLock(Connection c) throws SQLException {
        if (!tableExists(c, "databasechangeloglock")) return;
        try (Statement s = c.createStatement()) {
            s.executeUpdate(
                    "UPDATE databasechangeloglock SET locked = false, lockgranted = NULL, lockedby = NULL WHERE locked");
        }
    }

    /** Reports applied and pending counts and any lock, changing nothing. */
    public ShardResult status() {
        long t0 = System.nanoTime();
        try (Connection c = connect()) {
            String lock = lockProblem(c, !migratorActive(c));
            int pending = pending(c);
            State s = lock != null ? State.LOCKED : pending == 0 ? State.UP_TO_DATE : State.PENDING;
            return new ShardResult(shard(), s, List.of(), applied(c).size(), pending, null, lock, elapsed(t0));
        } catch (SQLException e) {
            return unreachable(e, t0);
        } catch (Exception e) {
            return new ShardResult(shard(), State.FAILED, List.of(), 0, 0, null, rootMessage(e), elapsed(t0));
        }
    }

    /** Releases this shard's Liquibase lock; returns whether one was held. */
    public boolean releaseLock() throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            if (!tableExists(c, "databasechangeloglock")) return false;
            return s.executeUpdate(
                            "UPDATE databasechangeloglock SET locked = false, lockgranted = NULL, lockedby = NULL WHERE locked")
                    > 0;
        }
    }

    /** Returns what DATABASECHANGELOG records, keyed by {@code file::id::author}. */
    public Map<String, Applied> applied() throws SQLException {
        try (Connection c = connect()) {
            return applied(c);
        }
    }

    /** Returns the changelog's changesets as {@code file::id::author} → current checksum. */
    public Map<String, String> expected() throws SQLException {
        try (Connection c = connect()) {
            return expected(c);
        }
    }

    private Map<String, String> expected(Connection c) throws SQLException {
        try (Liquibase lb = liquibase(c)) {
            Map<String, String> out = new LinkedHashMap<>();
            for (ChangeSet cs : lb.getDatabaseChangeLog().getChangeSets()) {
                out.put(
                        key(cs.getFilePath(), cs.getId(), cs.getAuthor()),
                        cs.generateCheckSum(liquibase.ChecksumVersion.latest()).toString());
            }
            return out;
        } catch (SQLException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException(changelog + " - cannot be read: " + rootMessage(e), "58000", e);
        }
    }

    /** Returns {@code table → sorted "column type" list} of the given tables, for schema comparison. */
    public Map<String, List<String>> columns(List<String> tables) throws SQLException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (Connection c = connect();
                var ps = c.prepareStatement(
                        "SELECT column_name || ' ' || data_type || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END "
                                + "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY column_name")) {
            for (String t : tables) {
                ps.setString(1, t);
                List<String> cols = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) cols.add(rs.getString(1));
                }
                out.put(t, cols);
            }
        }
        return out;
    }

    /**
     * Counts changesets of the changelog not recorded on the shard. Computed from the parsed
     * changelog and DATABASECHANGELOG rather than Liquibase's listUnrunChangeSets, which can take the
     * shard's lock (and, run in parallel, leave it behind).
     */
    private int pending(Connection c) throws Exception {
        Map<String, Applied> done = applied(c);
        int n = 0;
        for (String k : expected(c).keySet()) if (!done.containsKey(k)) n++;
        return n;
    }

    private Liquibase liquibase(Connection c) throws Exception {
        Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
        Path dir = changelog.toAbsolutePath().getParent();
        return new Liquibase(changelog.getFileName().toString(), new DirectoryResourceAccessor(dir), db) {
            @Override
            public void close() {
                // The connection belongs to the caller's try-with-resources.
            }
        };
    }

    Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", primary.username());
        p.setProperty("password", primary.password() == null ? "" : primary.password());
        p.setProperty("connectTimeout", "5");
        p.setProperty("ApplicationName", "shardline-migrations");
        return DriverManager.getConnection(primary.jdbcUrl(), p);
    }

    /**
     * Returns why the shard cannot be migrated now because of its lock, or null when it is free.
     *
     * @param noMigrator whether no live session holds the migration advisory lock (the row is then stale)
     */
    private String lockProblem(Connection c, boolean noMigrator) throws SQLException {
        if (!tableExists(c, "databasechangeloglock")) return null;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT locked, lockgranted, lockedby FROM databasechangeloglock WHERE id = 1")) {
            if (!rs.next() || !rs.getBoolean(1)) return null;
            Timestamp granted = rs.getTimestamp(2);
            String by = rs.getString(3);
            Duration age = granted == null ? Duration.ZERO : Duration.between(granted.toInstant(), Instant.now());
            boolean stale = noMigrator || age.compareTo(staleAfter) >= 0;
            return "Liquibase lock held by " + by + " since " + granted
                    + (stale
                            ? " and it looks stale (the holder is gone or it is older than " + staleAfter.toMinutes()
                                    + " min)"
                            : "; another migration may be running")
                    + ". If no migration is running on this shard, release it with: shardline migrate --release-locks "
                    + shard()
                    + " (or UPDATE databasechangeloglock SET locked = false WHERE id = 1)";
        }
    }

    private static Map<String, Applied> applied(Connection c) throws SQLException {
        Map<String, Applied> out = new LinkedHashMap<>();
        if (!tableExists(c, "databasechangelog")) return out;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT filename, id, author, md5sum FROM databasechangelog ORDER BY orderexecuted")) {
            while (rs.next()) {
                String k = key(rs.getString(1), rs.getString(2), rs.getString(3));
                out.put(k, new Applied(k, rs.getString(4)));
            }
        }
        return out;
    }

    private static List<String> newlyApplied(Map<String, Applied> before, Map<String, Applied> after) {
        return after.keySet().stream().filter(k -> !before.containsKey(k)).toList();
    }

    static String key(String file, String id, String author) {
        return file + "::" + id + "::" + author;
    }

    private static boolean tableExists(Connection c, String table) throws SQLException {
        try (var ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private ShardResult result(State s, List<String> now, Connection c, String failed, String error, long t0)
            throws SQLException {
        int pending;
        try {
            pending = pending(c);
        } catch (Exception e) {
            pending = -1;
        }
        return new ShardResult(shard(), s, now, applied(c).size(), pending, failed, error, elapsed(t0));
    }

    private ShardResult unreachable(SQLException e, long t0) {
        return new ShardResult(
                shard(),
                State.UNREACHABLE,
                List.of(),
                0,
                0,
                null,
                "cannot connect to " + primary.jdbcUrl() + ": " + e.getMessage()
                        + ". Check that the shard primary is up and the URL in shardline.yaml",
                elapsed(t0));
    }

    private static String failedChangeSet(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() == null) continue;
            Matcher m = FAILED.matcher(t.getMessage() + " ");
            if (m.find()) return m.group(1);
        }
        return null;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().findFirst().orElse(m).strip();
    }

    private static Duration elapsed(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }
}
