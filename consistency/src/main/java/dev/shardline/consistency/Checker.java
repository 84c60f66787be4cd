package dev.shardline.consistency;

import dev.shardline.consistency.HistoryLog.Op;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.redisson.api.RedissonClient;
import java.nio.charset.StandardCharsets;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * The checks over a recorded history: (b) no read returns a value older than one whose write was
 * acknowledged more than {@code boundMs} before the read began; (c) an instance that wrote a key
 * reads that write or newer afterwards; and (a), over the final state, every cached value equals
 * its row.
 */
public final class Checker {
  /** What a run found; {@link #print} writes it in the bench's "name value" form. */
  public record Result(int historySize, int reads, int writes, long boundMs, int staleReads, int readYourWritesViolations,
      int staleEntries, int cachedEntries, List<String> examples) {
    public String print() {
      return String.join("\n",
          "consistency.history_size " + historySize,
          "consistency.reads " + reads,
          "consistency.writes " + writes,
          "consistency.bound_ms " + boundMs,
          "consistency.stale_reads " + staleReads,
          "consistency.read_your_writes_violations " + readYourWritesViolations,
          "consistency.cached_entries_after_quiesce " + cachedEntries,
          "consistency.stale_entries_after_quiesce " + staleEntries)
          + (examples.isEmpty() ? "" : "\nexamples:\n  " + String.join("\n  ", examples));
    }
  }

  private Checker() {}

  public static Result check(List<Op> ops, long boundMs, int[] entries) {
    Map<String, List<Op>> writesByKey = new HashMap<>();
    List<Op> reads = new ArrayList<>();
    for (Op o : ops) {
      if (o.kind() == 'W') writesByKey.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o);
      else reads.add(o);
    }
    writesByKey.values().forEach(l -> l.sort(Comparator.comparingLong(Op::endMs)));
    int stale = 0;
    int ryw = 0;
    List<String> examples = new ArrayList<>();
    for (Op r : reads) {
      long mustSeeAny = 0;
      long mustSeeOwn = 0;
      for (Op w : writesByKey.getOrDefault(r.key(), List.of())) {
        // Strictly before: the clocks have millisecond resolution, and a read logged in the same
        // millisecond as the acknowledgement may have begun before it.
        if (w.endMs() >= r.startMs()) break;
        if (w.endMs() < r.startMs() - boundMs) mustSeeAny = Math.max(mustSeeAny, w.value());
        if (w.instance().equals(r.instance())) mustSeeOwn = Math.max(mustSeeOwn, w.value());
      }
      if (r.value() < mustSeeAny) {
        stale++;
        if (examples.size() < 10) examples.add("stale read " + r + " < " + mustSeeAny);
      }
      if (r.value() < mustSeeOwn) {
        ryw++;
        if (examples.size() < 10) examples.add("own write not read " + r + " < " + mustSeeOwn);
      }
    }
    int writes = writesByKey.values().stream().mapToInt(List::size).sum();
    return new Result(ops.size(), reads.size(), writes, boundMs, stale, ryw, entries[0], entries[1], examples);
  }

  /** Returns {stale, cached}: cached entries under {@code prefix} whose value differs from the row on {@code primary}. */
  public static int[] staleEntries(RedissonClient redis, Connection primary, String prefix, List<String> examples) throws SQLException {
    int stale = 0;
    int cached = 0;
    try (PreparedStatement ps = primary.prepareStatement(AppInstance.SELECT)) {
      for (String k : redis.getKeys().getKeysByPattern(prefix + ":kv:*")) {
        if (k.endsWith(":v") || k.endsWith(":lock")) continue;
        byte[] raw = redis.<byte[]>getBucket(k, ByteArrayCodec.INSTANCE).get();
        if (raw == null || raw.length < 13) continue;
        cached++;
        // The envelope: a format byte ('N' = not found), expiry and load time (12 bytes), the JSON payload.
        long cachedValue = raw[0] == 'N' ? -1 : Long.parseLong(new String(raw, 13, raw.length - 13, StandardCharsets.UTF_8));
        String tenant = k.substring(k.indexOf('{') + 1, k.indexOf('}'));
        String id = k.substring(k.lastIndexOf(':') + 1);
        ps.setLong(1, Long.parseLong(tenant));
        ps.setLong(2, Long.parseLong(id));
        long row;
        try (ResultSet rs = ps.executeQuery()) {
          row = rs.next() ? rs.getLong(1) : -1;
        }
        if (row != cachedValue) {
          stale++;
          if (examples.size() < 10) examples.add(k + " cached " + cachedValue + " row " + row);
        }
      }
    }
    return new int[] {stale, cached};
  }
}
