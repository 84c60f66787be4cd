package dev.shardline.cache;

import java.util.List;
import org.jdbi.v3.core.Handle;

/** Jdbi form of {@link AfterCommit}: registers invalidations to run when the handle's transaction commits. */
public final class JdbiAfterCommit {
    private JdbiAfterCommit() {}

    /**
     * Invalidates {@code keys} after the current transaction of {@code handle} commits; nothing
     * happens if it rolls back. Call it inside {@code jdbi.useTransaction(...)} next to the write.
     */
    public static void invalidate(Handle handle, CacheInvalidator cache, CacheKey... keys) {
        List<CacheKey> all = List.of(keys);
        handle.afterCommit(() -> AfterCommit.invalidateQuietly(cache, all));
    }
}
