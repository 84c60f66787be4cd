package dev.shardline.consistency;

import dev.shardline.cache.internal.Envelope;
import dev.shardline.consistency.HistoryLog.Op;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * The checks over a recorded history. Every change of a key takes the key's next sequence number
 * (an upsert stores it as the value, a delete removes the row), so a read's value says which
 * change it saw; "no row" is explained by any delete that began before the read ended. (b) No
 * read sees a state older than a change acknowledged more than B ms before the read began, B the
 * {@link StalenessBound} in force around that read; (c) an instance that changed a key reads that
 * change or a newer one afterwards; and (a), over the final state, every cached value equals its
 * row. Invalidations (kind V) are counted, the sidecar's ({@code sidecar@<shard>}) apart from the
 * instances'.
 */
public final class Checker {
    /** What a run found; {@link #print} writes it in the bench's "name value" form. */
    public record Result(
            int historySize,
            int reads,
            int writes,
            int deletes,
            int invalidations,
            int invalidationsFailed,
            int sidecarInvalidations,
            long boundMs,
            long localBoundP50Ms,
            long localBoundP99Ms,
            int staleReads,
            int readYourWritesViolations,
            int staleEntries,
            int cachedEntries,
            List<String> examples) {
        public String print() {
            return String.join(
                            "\n",
                            "consistency.history_size " + historySize,
                            "consistency.reads " + reads,
                            "consistency.writes " + writes,
                            "consistency.deletes " + deletes,
                            "consistency.app_invalidations " + invalidations,
                            "consistency.app_invalidations_failed " + invalidationsFailed,
                            "consistency.sidecar_invalidations " + sidecarInvalidations,
                            "consistency.cdc_lag_bound_ms " + boundMs,
                            "consistency.local_bound_p50_ms " + localBoundP50Ms,
                            "consistency.local_bound_p99_ms " + localBoundP99Ms,
                            "consistency.stale_reads " + staleReads,
                            "consistency.ryw_violations " + readYourWritesViolations,
                            "consistency.cached_entries_after_quiesce " + cachedEntries,
                            "consistency.stale_entries_after_quiesce " + staleEntries)
                    + (examples.isEmpty() ? "" : "\nexamples:\n  " + String.join("\n  ", examples));
        }

        /** This result with {@code more} examples appended. */
        public Result withExamples(List<String> more) {
            List<String> all = new ArrayList<>(examples);
            all.addAll(more);
            return new Result(
                    historySize,
                    reads,
                    writes,
                    deletes,
                    invalidations,
                    invalidationsFailed,
                    sidecarInvalidations,
                    boundMs,
                    localBoundP50Ms,
                    localBoundP99Ms,
                    staleReads,
                    readYourWritesViolations,
                    staleEntries,
                    cachedEntries,
                    List.copyOf(all));
        }
    }

    private Checker() {}

    /** Changes of one key, sorted by acknowledgement, with running maxima for lookups by time. */
    private static final class KeyHistory {
        final Timeline all;
        final Map<String, Timeline> byInstance = new HashMap<>();
        final Timeline deletesByStart;

        KeyHistory(List<Op> writes) {
            all = new Timeline(writes, Op::endMs);
            Map<String, List<Op>> per = new HashMap<>();
            for (Op w : writes)
                per.computeIfAbsent(w.instance(), i -> new ArrayList<>()).add(w);
            per.forEach((i, l) -> byInstance.put(i, new Timeline(l, Op::endMs)));
            deletesByStart = new Timeline(writes.stream().filter(Op::deletes).toList(), Op::startMs);
        }
    }

    /** Times in ascending order and the highest sequence number up to each. */
    private static final class Timeline {
        final long[] times;
        final long[] maxSeq;

        Timeline(List<Op> ops, java.util.function.ToLongFunction<Op> time) {
            List<Op> sorted = new ArrayList<>(ops);
            sorted.sort(Comparator.comparingLong(time));
            times = new long[sorted.size()];
            maxSeq = new long[sorted.size()];
            long m = 0;
            for (int i = 0; i < sorted.size(); i++) {
                times[i] = time.applyAsLong(sorted.get(i));
                m = Math.max(m, sorted.get(i).value());
                maxSeq[i] = m;
            }
        }

        /** The highest sequence number among entries strictly before {@code t}; 0 if none. */
        long maxBefore(long t) {
            int i = Arrays.binarySearch(times, t);
            int n = i >= 0 ? i : -i - 1;
            while (n > 0 && times[n - 1] >= t) n--; // equal times: strictly before only
            return n == 0 ? 0 : maxSeq[n - 1];
        }
    }

    /** Checks {@code ops} with the same bound {@code boundMs} for every read. */
    public static Result check(List<Op> ops, long boundMs, int[] entries) {
        return check(ops, StalenessBound.fixed(boundMs), entries);
    }

    /**
     * Checks {@code ops}: each read with the bound in force when it began; {@code entries} is
     * {stale, cached} from {@link #staleEntries}.
     */
    public static Result check(List<Op> ops, StalenessBound bound, int[] entries) {
        Map<String, List<Op>> writesByKey = new HashMap<>();
        List<Op> reads = new ArrayList<>();
        int deletes = 0;
        int invalidations = 0;
        int invalidationsFailed = 0;
        int sidecarInvalidations = 0;
        for (Op o : ops) {
            switch (o.kind()) {
                case 'W' -> {
                    writesByKey.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o);
                    if (o.deletes()) deletes++;
                }
                case 'R' -> reads.add(o);
                case 'V' -> {
                    if (o.bySidecar()) {
                        sidecarInvalidations++;
                    } else {
                        invalidations++;
                        if (o.op() == 'F') invalidationsFailed++;
                    }
                }
                default -> throw new IllegalArgumentException("unknown operation kind in the history: " + o);
            }
        }
        Map<String, KeyHistory> keys = new HashMap<>();
        writesByKey.forEach((k, l) -> keys.put(k, new KeyHistory(l)));
        int stale = 0;
        int ryw = 0;
        List<String> examples = new ArrayList<>();
        long[] local = new long[reads.size()];
        int n = 0;
        for (Op r : reads) {
            long b = bound.at(r.startMs());
            local[n++] = b;
            KeyHistory h = keys.get(r.key());
            if (h == null) continue;
            // Strictly before: the clocks have millisecond resolution, and a read logged in the same
            // millisecond as the acknowledgement may have begun before it.
            long mustSeeAny = h.all.maxBefore(r.startMs() - b);
            Timeline own = h.byInstance.get(r.instance());
            long mustSeeOwn = own == null ? 0 : own.maxBefore(r.startMs());
            if (!explains(h, r, mustSeeAny)) {
                stale++;
                if (examples.size() < 10)
                    examples.add("stale read " + r + " older than change " + mustSeeAny + " (bound " + b + " ms)");
            }
            if (!explains(h, r, mustSeeOwn)) {
                ryw++;
                if (examples.size() < 10) examples.add("own change not read " + r + " older than change " + mustSeeOwn);
            }
        }
        int writes = writesByKey.values().stream().mapToInt(List::size).sum();
        Arrays.sort(local);
        return new Result(
                ops.size(),
                reads.size(),
                writes,
                deletes,
                invalidations,
                invalidationsFailed,
                sidecarInvalidations,
                bound.worst(),
                percentile(local, 0.50),
                percentile(local, 0.99),
                stale,
                ryw,
                entries[0],
                entries[1],
                List.copyOf(examples));
    }

    /** Returns the {@code q} quantile of ascending {@code sorted} (nearest rank); 0 when empty. */
    private static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) return 0;
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    /** Returns true if read {@code r} saw change {@code seq} or a newer one. */
    private static boolean explains(KeyHistory h, Op r, long seq) {
        if (seq == 0) return true; // nothing required: the initial rows hold 0
        if (r.value() >= 0) return r.value() >= seq;
        // "No row": some delete at or after seq must have begun before the read ended.
        return h.deletesByStart.maxBefore(r.endMs() + 1) >= seq;
    }

    /**
     * Returns {stale, cached}: cached entries under {@code prefix} whose value differs from the row
     * read through {@code primaryOf(tenant)}.
     */
    public static int[] staleEntries(
            RedissonClient redis, Function<String, Connection> primaryOf, String prefix, List<String> examples)
            throws SQLException {
        int stale = 0;
        int cached = 0;
        for (String k : redis.getKeys().getKeysByPattern(prefix + ":kv:*")) {
            if (k.endsWith(":v") || k.endsWith(":lock")) continue;
            Envelope e = Envelope.decode(
                    redis.<byte[]>getBucket(k, ByteArrayCodec.INSTANCE).get());
            if (e == null) continue;
            cached++;
            long cachedValue = e.isNull()
                    ? -1
                    : Long.parseLong(
                            new String(e.bytes(), e.payloadOffset(), e.payloadLength(), StandardCharsets.UTF_8));
            String tenant = k.substring(k.indexOf('{') + 1, k.indexOf('}'));
            String id = k.substring(k.lastIndexOf(':') + 1);
            long row;
            try (PreparedStatement ps = primaryOf.apply(tenant).prepareStatement(AppInstance.SELECT)) {
                ps.setLong(1, Long.parseLong(tenant));
                ps.setLong(2, Long.parseLong(id));
                try (ResultSet rs = ps.executeQuery()) {
                    row = rs.next() ? rs.getLong(1) : -1;
                }
            }
            if (row != cachedValue) {
                stale++;
                if (examples.size() < 10) examples.add(k + " cached " + cachedValue + " row " + row);
            }
        }
        return new int[] {stale, cached};
    }
}
