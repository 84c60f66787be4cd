package dev.shardline.cdc.internal;

import dev.shardline.cache.CacheInvalidator;
import dev.shardline.cache.CacheKey;
import dev.shardline.cdc.ShardlineCdcException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records every invalidation the wrapped invalidator applied, one line per key, appended to a file
 * that a consistency checker reads: {@code V|sidecar@<shard>|<namespace>:<tenant>:<id>|0|<start
 * ms>|<end ms>|<visible-from LSN>|A} (the consistency module's history format; the LSN is
 * {@link CacheInvalidator#COMMIT_NOT_SEEN} for a commit still ahead, -1 for invalidations without a
 * position). Lines are written only after the invalidator returned, so a line means "applied in
 * Redis", and each call's lines are flushed to the operating system before it returns: a SIGKILL
 * loses nothing already acknowledged. Opt-in ({@code cdc --invalidation-log FILE}); without it
 * this class is not in the path at all.
 */
public final class InvalidationLog implements CacheInvalidator, AutoCloseable {
    private final CacheInvalidator inner;
    private final Path file;
    private final BufferedWriter out;

    private InvalidationLog(CacheInvalidator inner, Path file, BufferedWriter out) {
        this.inner = inner;
        this.file = file;
        this.out = out;
    }

    /** Returns {@code inner} recording to {@code file} (appended to, created if missing). */
    public static InvalidationLog wrap(CacheInvalidator inner, Path file) {
        try {
            BufferedWriter out = Files.newBufferedWriter(
                    file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (endsInsideLine(file)) {
                // A SIGKILL during a large batch's flush can leave half a line: end it, so it spoils only itself.
                out.newLine();
                out.flush();
            }
            return new InvalidationLog(inner, file, out);
        } catch (IOException e) {
            throw new ShardlineCdcException("cdc invalidation log - cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean endsInsideLine(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            if (ch.size() == 0) return false;
            ByteBuffer last = ByteBuffer.allocate(1);
            ch.read(last, ch.size() - 1);
            return last.get(0) != '\n';
        }
    }

    @Override
    public void invalidate(CacheKey key) {
        long t0 = System.currentTimeMillis();
        inner.invalidate(key);
        record("-", Map.of(key, -1L), t0);
    }

    @Override
    public void invalidateAll(Collection<CacheKey> keys) {
        long t0 = System.currentTimeMillis();
        inner.invalidateAll(keys);
        Map<CacheKey, Long> unpositioned = new LinkedHashMap<>();
        keys.forEach(k -> unpositioned.put(k, -1L));
        record("-", unpositioned, t0);
    }

    @Override
    public void invalidateCommitted(String shard, Map<CacheKey, Long> visibleFrom, long streamLsn) {
        long t0 = System.currentTimeMillis();
        inner.invalidateCommitted(shard, visibleFrom, streamLsn);
        record(shard, visibleFrom, t0);
    }

    private synchronized void record(String shard, Map<CacheKey, Long> keys, long startMs) {
        if (keys.isEmpty()) return;
        long endMs = System.currentTimeMillis();
        try {
            for (Map.Entry<CacheKey, Long> e : keys.entrySet()) {
                CacheKey k = e.getKey();
                out.write("V|sidecar@" + shard + "|" + k.namespace() + ":" + k.tenant() + ":" + k.id() + "|0|" + startMs
                        + "|" + endMs + "|" + e.getValue() + "|A");
                out.newLine();
            }
            out.flush();
        } catch (IOException e) {
            // Failing the batch makes the pipeline deliver it again (applying it twice is harmless), so the
            // log cannot silently miss an applied invalidation.
            throw new ShardlineCdcException(
                    "cdc invalidation log - cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            try {
                out.close();
            } catch (IOException e) {
                // shutting down: the lines already flushed are what the log holds
            }
        }
        if (inner instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // shutting down: nothing left to protect
            }
        }
    }
}
