package dev.shardline.cdc.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.OffsetBackingStore;
import org.apache.kafka.connect.util.Callback;

/**
 * Debezium offset store that reads the offset the analytics sinks committed in the same
 * transaction as their rows, and writes nothing: the sinks already stored it before Debezium asks.
 * That makes offset and data one atomic unit, so a crash can replay a batch but never skip one.
 *
 * <p>Every read returns the sinks' offset <em>as of now</em>, not as of the engine's start: Debezium's
 * PostgreSQL task confirms the replication slot from this store. After each offset commit the engine
 * calls {@code PostgresConnectorTask.commit()}, whose next {@code poll()} reads the offsets back from
 * the store ({@code performCommit} → {@code getPreviousOffsets}) and flushes their {@code lsn_commit}
 * to the slot. So the slot's {@code confirmed_flush_lsn} follows exactly what every offset-storing
 * sink has durably stored, never more. (A value cached at start kept the slot at the resume
 * position forever, and at nothing on a first start.)
 *
 * <p>Debezium instantiates this class by name; {@link #register} hands it the offset source of
 * the engine named in the property {@value #ENGINE_PROPERTY}.
 */
public final class SinkOffsetStore implements OffsetBackingStore {
    public static final String ENGINE_PROPERTY = "shardline.engine";
    private static final Map<String, Supplier<Optional<String>>> SOURCES = new ConcurrentHashMap<>();

    private String engine;
    private volatile Supplier<Optional<String>> source;

    /** Makes {@code source} the offset source of engine {@code engine}. */
    public static void register(String engine, Supplier<Optional<String>> source) {
        SOURCES.put(engine, source);
    }

    public static void unregister(String engine) {
        SOURCES.remove(engine);
    }

    @Override
    public void configure(WorkerConfig config) {
        engine = config.originalsStrings().get(ENGINE_PROPERTY);
    }

    @Override
    public void start() {
        Supplier<Optional<String>> s = SOURCES.get(engine);
        if (s == null) throw new IllegalStateException("no offset source registered for engine '" + engine + "'");
        source = s;
    }

    @Override
    public void stop() {
        // nothing held
    }

    /**
     * Returns the offset the sinks hold now for every key asked (one engine streams exactly one
     * partition); nothing when a sink has none yet.
     */
    @Override
    public Future<Map<ByteBuffer, ByteBuffer>> get(Collection<ByteBuffer> keys) {
        Map<ByteBuffer, ByteBuffer> out = new HashMap<>();
        Supplier<Optional<String>> s = source;
        String json = s == null ? null : s.get().orElse(null);
        if (json != null) {
            for (ByteBuffer k : keys) out.put(k, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public Future<Void> set(Map<ByteBuffer, ByteBuffer> values, Callback<Void> callback) {
        if (callback != null) callback.onCompletion(null, null);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Set.of();
    }
}
