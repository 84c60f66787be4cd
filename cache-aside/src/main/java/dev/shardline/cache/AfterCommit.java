package dev.shardline.cache;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/**
 * Invalidate after commit, never before and never on rollback: a reader that misses between the
 * write and the invalidation can only load the committed value, and a rolled-back write leaves the
 * cache alone.
 */
public final class AfterCommit {
    /** Work that runs on a JDBC connection inside a transaction. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    private AfterCommit() {}

    /**
     * Runs {@code work} in a transaction on {@code c}, commits, then invalidates {@code keys}. If the
     * work or the commit fails the transaction is rolled back and nothing is invalidated.
     */
    public static <T> T inTransaction(Connection c, CacheInvalidator cache, Collection<CacheKey> keys, SqlWork<T> work)
            throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        T result;
        try {
            result = work.run(c);
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
        invalidateQuietly(cache, keys);
        return result;
    }

    /**
     * The write is committed, so a failed invalidation must not look like a failed write: it is
     * logged and left to the CDC sidecar, whose invalidations are at-least-once.
     */
    static void invalidateQuietly(CacheInvalidator cache, Collection<CacheKey> keys) {
        try {
            cache.invalidateAll(keys);
        } catch (CacheUnavailableException e) {
            org.slf4j.LoggerFactory.getLogger(AfterCommit.class).warn("{}", e.getMessage());
        }
    }

    /** Single-key form of {@link #inTransaction(Connection, CacheInvalidator, Collection, SqlWork)}. */
    public static <T> T inTransaction(Connection c, CacheInvalidator cache, CacheKey key, SqlWork<T> work)
            throws SQLException {
        return inTransaction(c, cache, List.of(key), work);
    }
}
