package dev.shardline.routing;

/**
 * What one pass of {@link ShardlineDataSource#recoverPreparedTransactions()} did, counted over every
 * shard primary.
 *
 * @param committed prepared transactions committed because their decision shard committed
 * @param rolledBack prepared transactions rolled back because their decision shard did not commit
 * @param leftPrepared prepared transactions still undecided (in progress, or the decision shard did not answer)
 */
public record RecoveryReport(int committed, int rolledBack, int leftPrepared) {
    public RecoveryReport {
        if (committed < 0 || rolledBack < 0 || leftPrepared < 0)
            throw new IllegalArgumentException("counts must not be negative");
    }
}
