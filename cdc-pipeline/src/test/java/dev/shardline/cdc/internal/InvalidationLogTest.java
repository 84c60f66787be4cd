package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.CacheUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InvalidationLogTest {
    /** Applies everything, or refuses everything while {@code down}. */
    private static final class Redis implements CacheInvalidator {
        boolean down;

        @Override
        public void invalidate(CacheKey key) {
            check();
        }

        @Override
        public void invalidateAll(Collection<CacheKey> keys) {
            check();
        }

        @Override
        public void invalidateCommitted(String shard, Map<CacheKey, Long> visibleFrom, long streamLsn) {
            check();
        }

        private void check() {
            if (down) throw new CacheUnavailableException("redis - down", null);
        }
    }

    private static Map<CacheKey, Long> keys(long lsn, int... ids) {
        Map<CacheKey, Long> m = new LinkedHashMap<>();
        for (int id : ids) m.put(CacheKey.of("kv", 7, id), lsn);
        return m;
    }

    @Test
    void invalidateCommitted_applied_linesFlushedBeforeReturn(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("inv.log");
        InvalidationLog log = InvalidationLog.wrap(new Redis(), f);
        log.invalidateCommitted("shard-1", keys(42, 1, 2), 40);
        // Read while still open: what a SIGKILLed sidecar leaves behind.
        List<String> lines = Files.readAllLines(f);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("V|sidecar@shard-1|kv:7:1|0|").endsWith("|42|A");
        String[] fields = lines.get(1).split("\\|");
        assertThat(fields).hasSize(8);
        assertThat(Long.parseLong(fields[5])).isGreaterThanOrEqualTo(Long.parseLong(fields[4]));
        log.close();
    }

    @Test
    void invalidateCommitted_refused_nothingRecorded(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("inv.log");
        Redis redis = new Redis();
        redis.down = true;
        try (InvalidationLog log = InvalidationLog.wrap(redis, f)) {
            assertThatThrownBy(() -> log.invalidateCommitted("shard-0", keys(5, 1), 5))
                    .isInstanceOf(CacheUnavailableException.class);
            redis.down = false;
            log.invalidateCommitted("shard-0", Map.of(), 6); // a heartbeat batch: no keys, no line
        }
        assertThat(Files.readAllLines(f)).isEmpty();
    }

    @Test
    void wrap_existingFile_appends(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("inv.log");
        try (InvalidationLog log = InvalidationLog.wrap(new Redis(), f)) {
            log.invalidateCommitted("shard-0", keys(10, 1), 10);
        }
        try (InvalidationLog restarted = InvalidationLog.wrap(new Redis(), f)) {
            restarted.invalidate(CacheKey.of("kv", 7, 3));
        }
        assertThat(Files.readAllLines(f))
                .hasSize(2)
                .anyMatch(l -> l.contains("|kv:7:1|") && l.endsWith("|10|A"))
                .anyMatch(l -> l.startsWith("V|sidecar@-|kv:7:3|") && l.endsWith("|-1|A"));
    }
}
