package dev.shardline.config;

/**
 * PostgreSQL write-ahead-log positions ({@code X/Y} hexadecimal LSNs) as comparable numbers, and
 * the one subtlety of comparing a primary's insert position with a replica's replay position.
 */
public final class WalPosition {
    private static final int PAGE = 8192;
    private static final int SHORT_PAGE_HEADER = 24;
    private static final int LONG_PAGE_HEADER = 40;

    private WalPosition() {}

    /** Parses {@code X/Y}. */
    public static long parse(String lsn) {
        int slash = lsn.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("not a WAL position (X/Y): " + lsn);
        return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
    }

    /**
     * Returns the position a replica must replay to hold everything inserted before
     * {@code insertLsn} ({@code pg_current_wal_insert_lsn()}). When the last record ended exactly on
     * a page boundary, the insert position already points past the next page's header, which no
     * record ends at; a replica that is fully caught up stops at the page start. Records are at
     * least 24 bytes and 8-byte aligned, so an offset of exactly 24 or 40 can only be a header.
     */
    public static long replayTarget(long insertLsn) {
        long offset = insertLsn % PAGE;
        return offset == SHORT_PAGE_HEADER || offset == LONG_PAGE_HEADER ? insertLsn - offset : insertLsn;
    }

    /** True when a replica that replayed to {@code replayLsn} holds everything inserted before {@code insertLsn}. */
    public static boolean caughtUp(String replayLsn, String insertLsn) {
        return parse(replayLsn) >= replayTarget(parse(insertLsn));
    }
}
