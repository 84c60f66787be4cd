package dev.shardline.cache.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RScriptAsync;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * Every Redis call of a cache, behind one circuit breaker: when Redis fails repeatedly the breaker
 * opens and callers go straight to the database (through the load bulkhead) until a probe succeeds.
 * The version rules themselves are in {@link Scripts}.
 */
public final class RedisOps {
    /** Thrown when Redis must not or could not be used. */
    public static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /** Where one key's state lives: its value key, version key and (with positions) its shard's floor key. */
    public record Slot(String value, String version, String floor) {
        List<Object> keys() {
            return List.of(value, version, floor == null ? version : floor);
        }

        String positional() {
            return floor == null ? "0" : "1";
        }
    }

    static final String NOT_SEEN = String.valueOf(Long.MAX_VALUE);

    private final RedissonClient redis;
    private final CircuitBreaker breaker;
    private final RScript script;
    private final boolean cluster;

    /**
     * Whether the client talks to a Redis Cluster, where a script's keys must share one hash slot: a
     * shard's floor key does not share the slot of the keys it guards, so positions cannot be used.
     */
    public boolean cluster() {
        return cluster;
    }

    public RedisOps(RedissonClient redis, String name, int minimumCalls, Duration waitInOpen) {
        this.redis = redis;
        this.cluster = redis.getConfig().isClusterConfig();
        // Bytes end to end: values carry a binary header, so every argument is encoded here (see args).
        this.script = redis.getScript(ByteArrayCodec.INSTANCE);
        this.breaker = CircuitBreaker.of(
                "redis-" + name,
                CircuitBreakerConfig.custom()
                        .failureRateThreshold(50)
                        .minimumNumberOfCalls(minimumCalls)
                        .slidingWindowSize(Math.max(minimumCalls, 20))
                        .waitDurationInOpenState(waitInOpen)
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .slidingWindowSynchronizationStrategy(
                                CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                        .build());
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public RedissonClient client() {
        return redis;
    }

    public byte[] get(String key) {
        return call(() -> redis.<byte[]>getBucket(key, ByteArrayCodec.INSTANCE).get());
    }

    /** Returns the version a load of {@code slot} holds, or "" when it may not fill (the shard's floor is missing). */
    public String begin(Slot slot, String token, long versionPx) {
        byte[] v = call(() -> script.eval(
                slot.value(),
                RScript.Mode.READ_WRITE,
                Scripts.BEGIN,
                RScript.ReturnType.VALUE,
                slot.keys(),
                args(slot.positional(), token, String.valueOf(versionPx))));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    public boolean fill(Slot slot, String heldVersion, long readLsn, byte[] value, long px) {
        Long ok = call(() -> script.eval(
                slot.value(),
                RScript.Mode.READ_WRITE,
                Scripts.FILL,
                RScript.ReturnType.INTEGER,
                slot.keys(),
                args(slot.positional(), heldVersion, String.valueOf(readLsn), value, String.valueOf(px))));
        return ok != null && ok == 1L;
    }

    public boolean put(Slot slot, long lsn, byte[] value, long px, String token, long versionPx) {
        Long ok = call(() -> script.eval(
                slot.value(),
                RScript.Mode.READ_WRITE,
                Scripts.PUT,
                RScript.ReturnType.INTEGER,
                slot.keys(),
                args(
                        slot.positional(),
                        String.valueOf(lsn),
                        value,
                        String.valueOf(px),
                        token,
                        String.valueOf(versionPx),
                        NOT_SEEN)));
        return ok != null && ok == 1L;
    }

    /** The most keys one invalidation script call takes: bounds how long Redis runs one script. */
    static final int INVALIDATE_CHUNK = 256;

    /** One invalidation: the key's slot and the position it is visible from (-1: none known). */
    public record Invalidation(Slot slot, long lsn, String token) {}

    /**
     * Applies invalidations in one pipelined round trip, after raising {@code floorKey} to
     * {@code floorLsn} (when given and not negative): the floor must cover a version before that version can be lost.
     */
    public void invalidate(List<Invalidation> all, String floorKey, long floorLsn, long versionPx) {
        call(() -> {
            RBatch batch = redis.createBatch();
            RScriptAsync s = batch.getScript(ByteArrayCodec.INSTANCE);
            if (floorKey != null && floorLsn >= 0) {
                s.evalAsync(
                        floorKey,
                        RScript.Mode.READ_WRITE,
                        Scripts.ADVANCE_FLOOR,
                        RScript.ReturnType.INTEGER,
                        List.of(floorKey),
                        args(String.valueOf(floorLsn)));
            }
            // One script call per tenant (its keys share a hash slot) and chunk, not one per key: per-call
            // overhead in Redis and Redisson was most of an invalidation's cost.
            Map<String, List<Invalidation>> byTenant = new LinkedHashMap<>();
            for (Invalidation i : all)
                byTenant.computeIfAbsent(KeyFormat.hashTag(i.slot().value()), t -> new ArrayList<>())
                        .add(i);
            for (List<Invalidation> tenant : byTenant.values()) {
                for (int from = 0; from < tenant.size(); from += INVALIDATE_CHUNK) {
                    List<Invalidation> chunk = tenant.subList(from, Math.min(tenant.size(), from + INVALIDATE_CHUNK));
                    List<Object> keys = new ArrayList<>(chunk.size() * 3);
                    List<Object> argv = new ArrayList<>(2 + chunk.size() * 3);
                    argv.add(String.valueOf(versionPx));
                    argv.add(NOT_SEEN);
                    for (Invalidation i : chunk) {
                        keys.addAll(i.slot().keys());
                        argv.add(i.slot().positional());
                        argv.add(String.valueOf(i.lsn()));
                        argv.add(i.token());
                    }
                    s.evalAsync(
                            chunk.get(0).slot().value(),
                            RScript.Mode.READ_WRITE,
                            Scripts.INVALIDATE_MANY,
                            RScript.ReturnType.INTEGER,
                            keys,
                            args(argv.toArray()));
                }
            }
            return batch.execute();
        });
    }

    /** Every key matching {@code pattern}, by SCAN (Redis walks the keyspace in steps; nothing blocks it). */
    public List<String> scan(String pattern) {
        return call(() -> {
            List<String> out = new ArrayList<>();
            for (String k : redis.getKeys()
                    .getKeys(org.redisson.api.options.KeysScanOptions.defaults()
                            .pattern(pattern)
                            .chunkSize(1000))) out.add(k);
            return out;
        });
    }

    /** Returns the values of {@code keys} in order, in one pipelined round trip. */
    public List<byte[]> getAll(List<String> keys) {
        return call(() -> {
            RBatch batch = redis.createBatch();
            for (String k : keys)
                batch.<byte[]>getBucket(k, ByteArrayCodec.INSTANCE).getAsync();
            List<?> res = batch.execute().getResponses();
            List<byte[]> out = new ArrayList<>(res.size());
            for (Object o : res) out.add((byte[]) o);
            return out;
        });
    }

    /** Script arguments as bytes (the scripts' codec is the byte-array one): text as UTF-8, bytes as they are. */
    private static Object[] args(Object... values) {
        Object[] out = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] instanceof byte[] b ? b : values[i].toString().getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    /** Runs {@code op} if the breaker allows, recording its outcome; failures become {@link Unavailable}. */
    public <T> T call(Supplier<T> op) {
        if (!breaker.tryAcquirePermission()) throw new Unavailable("circuit breaker open", null);
        long t0 = System.nanoTime();
        try {
            T out = op.get();
            breaker.onSuccess(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            return out;
        } catch (RuntimeException e) {
            breaker.onError(System.nanoTime() - t0, TimeUnit.NANOSECONDS, e);
            throw new Unavailable(e.getMessage(), e);
        }
    }
}
