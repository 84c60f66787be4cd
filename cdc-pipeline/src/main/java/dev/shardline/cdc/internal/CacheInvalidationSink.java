package dev.shardline.cdc.internal;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import dev.shardline.cdc.InvalidationRule;
import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Invalidates the cache key of every changed row, each at the WAL position from which its commit
 * is visible, and raises the shard's floor to the stream position. {@link #apply} returns only
 * once Redis has applied the whole batch; otherwise it throws and the pipeline delivers the batch
 * again (at-least-once: replays invalidate again, which is harmless). Snapshot rows invalidate
 * nothing (they are not changes).
 *
 * <p>A change's own commit position is the commit position of the first later change of another
 * transaction (or the batch's offset once past it). For the last transaction of a batch it may
 * not be known yet: those keys are invalidated as "commit not seen" (fills stay refused) and
 * invalidated again with the real position as soon as a later batch reveals it. Only that tail is
 * remembered; if it is lost (a restart), the keys just stay uncacheable until their version
 * state expires. A TRUNCATE of a table with a rule invalidates every key of its namespace the
 * invalidator finds, at the TRUNCATE's position, after the batch's own keys (positions only rise, so
 * the order does not matter).
 */
public final class CacheInvalidationSink implements ChangeSink {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CacheInvalidationSink.class);
    private static final int MAX_REMEMBERED = 100_000;

    private final CacheInvalidator invalidator;
    private final Map<String, InvalidationRule> rules;
    /** Per shard: keys invalidated as "commit not seen", with the commit position before their change. */
    private final Map<String, Map<CacheKey, Long>> unseenCommits = new ConcurrentHashMap<>();

    /** Column name to PostgreSQL type, per captured table: which values have more than one spelling. */
    private final Map<String, SourceTable> tables;

    public CacheInvalidationSink(CacheInvalidator invalidator, List<InvalidationRule> rules) {
        this(invalidator, rules, Map.of());
    }

    public CacheInvalidationSink(
            CacheInvalidator invalidator, List<InvalidationRule> rules, Map<String, SourceTable> tables) {
        this.invalidator = invalidator;
        this.rules = rules.stream().collect(Collectors.toMap(InvalidationRule::table, Function.identity()));
        this.tables = tables;
    }

    @Override
    public String name() {
        return "cache";
    }

    @Override
    public void open() {
        // the invalidator is owned by the caller
    }

    @Override
    public void apply(ChangeBatch batch) {
        List<ChangeEvent> events = batch.events();
        long offsetCommit = batch.offsetPosition().commitLsn();
        long[] ownCommit = ownCommits(events, offsetCommit);
        Map<CacheKey, Long> visibleFrom = new LinkedHashMap<>();
        Map<CacheKey, Long> stillUnseen = new HashMap<>();
        Map<CacheKey, Long> carried = unseenCommits.getOrDefault(batch.shard(), Map.of());
        // The carried keys are one transaction's tail: they share one "before", found once, not once per key.
        Map<Long, Long> commitAfter = new HashMap<>();
        carried.forEach((key, before) -> {
            long c = commitAfter.computeIfAbsent(before, b -> firstCommitAfter(b, events, offsetCommit));
            if (c == CacheInvalidator.COMMIT_NOT_SEEN) {
                stillUnseen.put(key, before);
            } else {
                visibleFrom.merge(key, c + 1, Math::max);
            }
        });
        long known = Math.max(offsetCommit, 0);
        // namespace -> the position its table's TRUNCATE is visible from (the latest in the batch)
        Map<String, Long> truncated = new LinkedHashMap<>();
        for (int i = 0; i < events.size(); i++) {
            ChangeEvent e = events.get(i);
            known = Math.max(known, e.position().commitLsn());
            if (e.op() == ChangeEvent.Op.TRUNCATE) {
                InvalidationRule rule = rules.get(e.table());
                long c = ownCommit[i];
                if (rule != null)
                    truncated.merge(rule.namespace(), c == CacheInvalidator.COMMIT_NOT_SEEN ? c : c + 1, Math::max);
                continue;
            }
            List<CacheKey> keys = keysOf(e);
            long c = ownCommit[i];
            for (CacheKey key : keys) {
                // +1: whether the reported commit LSN is the start or the end of the commit record, a read
                // position past it has the commit.
                visibleFrom.merge(key, c == CacheInvalidator.COMMIT_NOT_SEEN ? c : c + 1, Math::max);
                if (c == CacheInvalidator.COMMIT_NOT_SEEN)
                    stillUnseen.put(key, e.position().commitLsn());
            }
        }
        long floor = known > 0 ? known + 1 : -1;
        try {
            invalidator.invalidateCommitted(batch.shard(), visibleFrom, floor);
        } catch (RuntimeException e) {
            throw new ShardlineCdcException(
                    "cdc cache " + batch.shard() + " - " + visibleFrom.size() + " invalidation(s) not applied: "
                            + e.getMessage() + "; the batch is not acknowledged and will be delivered again",
                    e);
        }
        for (Map.Entry<String, Long> t : truncated.entrySet()) {
            boolean done;
            try {
                done = invalidator.invalidateNamespaceCommitted(batch.shard(), t.getKey(), t.getValue(), floor);
            } catch (RuntimeException e) {
                throw new ShardlineCdcException(
                        "cdc cache " + batch.shard() + " - the keys of namespace '" + t.getKey() + "' (a TRUNCATE) "
                                + "were not invalidated: " + e.getMessage()
                                + "; the batch is not acknowledged and will be delivered again",
                        e);
            }
            if (!done) {
                LOG.warn(
                        "cdc cache {} - TRUNCATE: the invalidator cannot enumerate the keys of namespace '{}'; its "
                                + "cached values live until their TTL",
                        batch.shard(),
                        t.getKey());
            }
        }
        if (stillUnseen.isEmpty() || stillUnseen.size() > MAX_REMEMBERED) {
            unseenCommits.remove(batch.shard());
        } else {
            unseenCommits.put(batch.shard(), stillUnseen);
        }
    }

    /**
     * The cache keys of a changed row: one, or one per spelling an application may use for a value
     * whose type has several. A {@code character(n)} value comes padded, as JDBC also returns it, but
     * a key built from the unpadded literal names the same row; a {@code numeric} value comes with the
     * column's scale ({@code 5.00}), but a key built from the number 5 names the same row. Every
     * spelling is invalidated: an extra invalidation costs a Redis call, a missed one a stale value.
     */
    List<CacheKey> keysOf(ChangeEvent e) {
        InvalidationRule rule = rules.get(e.table());
        if (rule == null || e.snapshot()) return List.of();
        CacheKey key = keyOf(e, rule);
        SourceTable t = tables.get(e.table());
        if (t == null) return List.of(key);
        List<String> tenants = spellings(key.tenant(), t.columns().get(rule.tenantColumn()));
        List<String> ids = spellings(key.id(), t.columns().get(rule.idColumn()));
        if (tenants.size() == 1 && ids.size() == 1) return List.of(key);
        List<CacheKey> out = new java.util.ArrayList<>();
        for (String tenant : tenants) for (String id : ids) out.add(new CacheKey(rule.namespace(), tenant, id));
        return out;
    }

    /** {@code value} as CDC renders it, then its other spellings for a column of {@code pgType}. */
    static List<String> spellings(String value, String pgType) {
        if (pgType == null) return List.of(value);
        String type = pgType.toLowerCase(java.util.Locale.ROOT);
        if ((type.equals("character") || type.startsWith("character(")) && value.endsWith(" ")) {
            String trimmed = value.stripTrailing();
            return trimmed.isEmpty() ? List.of(value) : List.of(value, trimmed);
        }
        if (type.startsWith("numeric") && value.indexOf('.') >= 0) {
            try {
                String plain =
                        new java.math.BigDecimal(value).stripTrailingZeros().toPlainString();
                return plain.equals(value) ? List.of(value) : List.of(value, plain);
            } catch (NumberFormatException notANumber) {
                return List.of(value); // NaN, Infinity
            }
        }
        return List.of(value);
    }

    private CacheKey keyOf(ChangeEvent e, InvalidationRule rule) {
        String tenant = e.row().get(rule.tenantColumn());
        String id = e.row().get(rule.idColumn());
        if (tenant == null || id == null) {
            throw new ShardlineCdcException("cdc cache - a change of table '" + e.table() + "' on " + e.shard()
                    + " has no value for " + (tenant == null ? rule.tenantColumn() : rule.idColumn())
                    + "; fix cdc.invalidate." + e.table()
                    + " or set REPLICA IDENTITY FULL so deletes carry every column");
        }
        return CacheKey.of(rule.namespace(), tenant, id);
    }

    /**
     * Returns, per event, the commit position of its own transaction: the first later commit
     * position greater than the one before the event (positions never decrease along the stream).
     */
    static long[] ownCommits(List<ChangeEvent> events, long offsetCommit) {
        long[] out = new long[events.size()];
        int groupStart = 0;
        for (int i = 0; i <= events.size(); i++) {
            long before = i < events.size() ? events.get(i).position().commitLsn() : Long.MIN_VALUE;
            long groupBefore =
                    events.isEmpty() ? 0 : events.get(groupStart).position().commitLsn();
            if (i == events.size() || before != groupBefore) {
                // Events groupStart..i-1 follow the same commit; the next group's "commit before" is theirs.
                long own = i < events.size()
                        ? before
                        : (offsetCommit > groupBefore ? offsetCommit : CacheInvalidator.COMMIT_NOT_SEEN);
                for (int j = groupStart; j < i; j++) out[j] = own;
                groupStart = i;
            }
        }
        return out;
    }

    private static long firstCommitAfter(long before, List<ChangeEvent> events, long offsetCommit) {
        for (ChangeEvent e : events) {
            if (e.position().commitLsn() > before) return e.position().commitLsn();
        }
        return offsetCommit > before ? offsetCommit : CacheInvalidator.COMMIT_NOT_SEEN;
    }

    @Override
    public void close() {
        // the invalidator is owned by the caller
    }
}
