package dev.shardline.cdc.spi;

/**
 * Where a change sits in one shard's commit stream. Ordered by the commit LSN of the transaction
 * before it, then by the change's own LSN: that pair grows strictly along the stream even when
 * transactions interleave in the WAL, which the change LSN alone does not.
 *
 * @param commitLsn the commit LSN of the last transaction completed before this change (0 if none seen)
 * @param lsn the LSN of the change itself
 */
public record Position(long commitLsn, long lsn) implements Comparable<Position> {
    public static final Position NONE = new Position(-1, -1);

    @Override
    public int compareTo(Position o) {
        int c = Long.compare(commitLsn, o.commitLsn);
        return c != 0 ? c : Long.compare(lsn, o.lsn);
    }

    public boolean isAfter(Position o) {
        return compareTo(o) > 0;
    }

    @Override
    public String toString() {
        return commitLsn + "/" + lsn;
    }
}
