package dev.shardline.cache.internal;

import dev.shardline.cache.CacheConfig;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.SourcePosition;
import dev.shardline.cache.spi.ValueCodec;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the read and write paths of one cache share: its Redis calls, key format, codec, meters and local generations. */
public final class CacheCore {
    private static final Logger LOG = LoggerFactory.getLogger(CacheCore.class);

    final String name;
    final CacheConfig config;
    final RedisOps ops;
    final KeyFormat keys;
    final ValueCodec codec;
    final CacheMetrics metrics;
    final LocalGenerations generations;
    final NearCache near;
    final Tokens tokens = new Tokens();
    final OwnWrites ownWrites = new OwnWrites(10_000);

    public CacheCore(String name, CacheConfig config, RedisOps ops, ValueCodec codec, CacheMetrics metrics) {
        this.name = name;
        this.config = config;
        this.ops = ops;
        this.keys = new KeyFormat(config.prefix());
        this.codec = codec;
        this.metrics = metrics;
        this.generations = new LocalGenerations(Math.max(10_000, 2 * config.nearMaxEntries()));
        this.near = config.nearMaxEntries() > 0
                // One topic per prefix, not per cache name: the CDC sidecar's invalidations must reach every near
                // cache.
                ? new NearCache(
                        ops, config.prefix() + ":invalidations", config.nearMaxEntries(), config.nearTtl(), generations)
                : null;
    }

    public KeyFormat keys() {
        return keys;
    }

    public NearCache near() {
        return near;
    }

    /** Returns where {@code key}'s state lives; with positions, {@code shard} names its floor (null: no floor). */
    RedisOps.Slot slot(String k, String shard) {
        return new RedisOps.Slot(k, KeyFormat.version(k), shard == null ? null : keys.floor(shard));
    }

    /** Returns the read position of {@code key} with positions on, else null. */
    SourcePosition readPosition(CacheKey key) {
        if (config.readPositions() == null) return null;
        try {
            return config.readPositions().readPosition(key);
        } catch (RuntimeException e) {
            LOG.warn("cache '{}' - readPositions failed for {} ({}); the load is not cached", name, key, e.toString());
            return null;
        }
    }

    /**
     * Returns true if cached envelope {@code e} of {@code key} may be served by this JVM: with
     * positions, it must have been read at or past this JVM's own last write of the key.
     */
    boolean servable(String k, CacheKey key, Envelope e) {
        if (!positional()) return true;
        if (ownWrites.covers(k, e.position(), () -> {
            SourcePosition at = readPosition(key);
            return at == null ? null : at.shard();
        })) {
            return true;
        }
        metrics.ownWriteRefusals.increment();
        return false;
    }

    boolean positional() {
        return config.readPositions() != null;
    }

    long versionPx() {
        return config.versionTtl().toMillis();
    }

    long jitteredTtl() {
        long ttlMs = config.ttl().toMillis();
        double j = config.ttlJitter();
        return Math.max(
                1, Math.round(ttlMs * (1 + j * (2 * ThreadLocalRandom.current().nextDouble() - 1))));
    }

    <T> T decodeOrNull(Envelope e, Class<T> type, String k) {
        if (e.isNull()) return null;
        try {
            return codec.decode(e.bytes(), e.payloadOffset(), e.payloadLength(), type);
        } catch (Exception ex) {
            LOG.warn(
                    "cache '{}' - cannot decode {} as {} ({}); treating it as a miss",
                    name,
                    k,
                    type.getSimpleName(),
                    ex.toString());
            return null;
        }
    }
}
