package dev.shardline.bench.cdc;

import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sink placed after the others: counts changes and notes when each key's change had passed the
 * sinks before it (for the latency figures). Does no work of its own, so as the only sink it
 * measures the raw Debezium drain.
 */
public final class StampingSink implements ChangeSink {
    private final AtomicLong changes = new AtomicLong();
    private final Map<String, Long> seenAt = new ConcurrentHashMap<>();
    private volatile boolean stamping;

    @Override
    public String name() {
        return "stamp";
    }

    @Override
    public void open() {}

    @Override
    public void apply(ChangeBatch batch) {
        long now = System.nanoTime();
        changes.addAndGet(batch.events().size());
        if (stamping) {
            for (ChangeEvent e : batch.events())
                seenAt.putIfAbsent(e.row().get("tenant_id") + ":" + e.row().get("id"), now);
        }
    }

    public long changes() {
        return changes.get();
    }

    public void stamping(boolean on) {
        stamping = on;
    }

    public Long seenAt(String key) {
        return seenAt.get(key);
    }

    @Override
    public void close() {}
}
