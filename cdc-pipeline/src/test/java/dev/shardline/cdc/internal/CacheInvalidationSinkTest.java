package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import dev.shardline.cdc.InvalidationRule;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.Position;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheInvalidationSinkTest {
    private record Call(String shard, Map<CacheKey, Long> visibleFrom, long streamLsn) {}

    private static final class Recording implements CacheInvalidator {
        final List<Call> calls = new ArrayList<>();

        @Override
        public void invalidate(CacheKey key) {
            throw new AssertionError("positionless invalidation from the sink");
        }

        @Override
        public void invalidateAll(Collection<CacheKey> keys) {
            throw new AssertionError("positionless invalidation from the sink");
        }

        @Override
        public void invalidateCommitted(String shard, Map<CacheKey, Long> visibleFrom, long streamLsn) {
            calls.add(new Call(shard, Map.copyOf(visibleFrom), streamLsn));
        }
    }

    private static ChangeEvent change(String id, long commitBefore, long lsn) {
        return new ChangeEvent(
                "shard-0",
                "items",
                ChangeEvent.Op.UPSERT,
                Map.of("tenant_id", "t", "id", id),
                List.of("tenant_id", "id"),
                new Position(commitBefore, lsn),
                false,
                0);
    }

    private static CacheKey key(String id) {
        return CacheKey.of("item", "t", id);
    }

    @Test
    void ownCommits_eachTransactionGetsTheNextCommitPosition_lastUnknownUntilTheOffsetPassesIt() {
        List<ChangeEvent> events =
                List.of(change("a", 10, 11), change("b", 10, 12), change("c", 20, 21), change("d", 30, 31));
        assertThat(CacheInvalidationSink.ownCommits(events, 30))
                .containsExactly(20, 20, 30, CacheInvalidator.COMMIT_NOT_SEEN);
        assertThat(CacheInvalidationSink.ownCommits(events, 40)).containsExactly(20, 20, 30, 40);
    }

    @Test
    void apply_tailCommitNotSeen_refusedThenResolvedByTheNextBatch() {
        Recording inv = new Recording();
        CacheInvalidationSink sink =
                new CacheInvalidationSink(inv, List.of(new InvalidationRule("items", "item", "tenant_id", "id")));
        sink.apply(new ChangeBatch(
                "shard-0", List.of(change("a", 10, 11), change("b", 20, 21)), "{}", new Position(20, 21), false));
        assertThat(inv.calls.get(0).visibleFrom())
                .containsEntry(key("a"), 21L)
                .containsEntry(key("b"), CacheInvalidator.COMMIT_NOT_SEEN);
        assertThat(inv.calls.get(0).streamLsn()).isEqualTo(21);
        sink.apply(new ChangeBatch("shard-0", List.of(), "{}", new Position(25, 26), false));
        assertThat(inv.calls.get(1).visibleFrom()).containsExactly(Map.entry(key("b"), 26L));
        sink.apply(new ChangeBatch("shard-0", List.of(), "{}", new Position(25, 27), false));
        assertThat(inv.calls.get(2).visibleFrom()).as("nothing left to resolve").isEmpty();
    }

    @Test
    void spellings_paddedCharAndScaledNumeric_alsoTheirPlainForms() {
        assertThat(CacheInvalidationSink.spellings("ab    ", "character(6)")).containsExactly("ab    ", "ab");
        assertThat(CacheInvalidationSink.spellings("ab", "character(6)")).containsExactly("ab");
        assertThat(CacheInvalidationSink.spellings("      ", "character(6)")).containsExactly("      ");
        assertThat(CacheInvalidationSink.spellings("5.00", "numeric(10,2)")).containsExactly("5.00", "5");
        assertThat(CacheInvalidationSink.spellings("5.10", "numeric(10,2)")).containsExactly("5.10", "5.1");
        assertThat(CacheInvalidationSink.spellings("500", "numeric")).containsExactly("500");
        assertThat(CacheInvalidationSink.spellings("NaN", "numeric")).containsExactly("NaN");
        // Trailing spaces are part of a text value: two different tenants, never one key.
        assertThat(CacheInvalidationSink.spellings("ab ", "text")).containsExactly("ab ");
        assertThat(CacheInvalidationSink.spellings("ab ", "character varying(6)"))
                .containsExactly("ab ");
        assertThat(CacheInvalidationSink.spellings("7", "bigint")).containsExactly("7");
    }

    @Test
    void apply_charTenantNumericId_invalidatesEverySpellingAtOnePosition() {
        Recording r = new Recording();
        java.util.Map<String, String> cols = new java.util.LinkedHashMap<>();
        cols.put("tenant_code", "character(6)");
        cols.put("id", "numeric(10,2)");
        SourceTable badges = new SourceTable("badges", cols, List.of("id"), "tenant_code");
        CacheInvalidationSink sink = new CacheInvalidationSink(
                r, List.of(new InvalidationRule("badges", "badge", "tenant_code", "id")), Map.of("badges", badges));
        ChangeEvent e = new ChangeEvent(
                "shard-0",
                "badges",
                ChangeEvent.Op.UPSERT,
                Map.of("tenant_code", "ab    ", "id", "5.00"),
                badges.sinkKey(),
                new Position(10, 11),
                false,
                0);
        sink.apply(new ChangeBatch("shard-0", List.of(e), "{}", new Position(20, 21), false));
        assertThat(r.calls).hasSize(1);
        assertThat(r.calls.get(0).visibleFrom())
                .containsOnlyKeys(
                        new CacheKey("badge", "ab    ", "5.00"),
                        new CacheKey("badge", "ab", "5.00"),
                        new CacheKey("badge", "ab    ", "5"),
                        new CacheKey("badge", "ab", "5"))
                .containsValues(21L);
    }
}
