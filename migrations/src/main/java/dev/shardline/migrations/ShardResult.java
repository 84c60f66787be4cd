package dev.shardline.migrations;

import java.time.Duration;
import java.util.List;

/**
 * What happened on one shard.
 *
 * @param appliedNow changesets applied by this run, in order
 * @param applied changesets recorded as applied on the shard after the run
 * @param pending changesets of the changelog not yet applied there
 * @param failedChangeSet {@code file::id::author} of the changeset that failed, or null
 * @param error what went wrong and what to do, or null
 */
public record ShardResult(
        String shard,
        State state,
        List<String> appliedNow,
        int applied,
        int pending,
        String failedChangeSet,
        String error,
        Duration took) {

    /** Outcome of one shard. */
    public enum State {
        /** Every changeset is applied. */
        UP_TO_DATE,
        /** Changesets remain (status only). */
        PENDING,
        /** A changeset failed; the shard stopped there and a rerun resumes from it. */
        FAILED,
        /** Another process holds the shard's Liquibase lock, or a crashed one left it behind. */
        LOCKED,
        /** Not started because another shard failed first (fail-fast). */
        SKIPPED,
        /** The shard could not be reached. */
        UNREACHABLE
    }

    public boolean ok() {
        return state == State.UP_TO_DATE || state == State.PENDING;
    }
}
