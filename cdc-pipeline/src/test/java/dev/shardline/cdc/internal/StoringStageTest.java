package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.cdc.OnError;
import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import dev.shardline.cdc.spi.Position;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class StoringStageTest {
    private final CdcMetrics.Shard metrics = new CdcMetrics(new SimpleMeterRegistry()).forShard("s", null);

    @Test
    void submit_storeBusy_queuedBatchesAppliedInOrderAsOne() throws Exception {
        RecordingSink sink = new RecordingSink(-1);
        List<Integer> applied = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(4);
        try (StoringStage stage = stage(sink, OnError.HALT, new CopyOnWriteArrayList<>())) {
            stage.submit(batch(1, 1), single(1), done(applied, all, 1));
            assertThat(sink.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the first batch is being applied
            stage.submit(batch(2, 2), single(2), done(applied, all, 2));
            stage.submit(batch(3), single(3), done(applied, all, 3)); // heartbeats only: moves the offset
            stage.submit(batch(4, 4), single(4), done(applied, all, 4));
            sink.release.countDown();
            assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(sink.applied).containsExactly("[1]@o1", "[2, 4]@o4");
        assertThat(applied).containsExactly(1, 2, 3, 4);
    }

    @Test
    void submit_mergedBatchRefusedAndDeadLettered_eachChangeKeepsItsOwnOffset() throws Exception {
        RecordingSink sink = new RecordingSink(4);
        List<String> dead = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(3);
        List<Integer> applied = new CopyOnWriteArrayList<>();
        try (StoringStage stage = stage(sink, OnError.DEADLETTER, dead)) {
            stage.submit(batch(1, 1), single(1), done(applied, all, 1));
            assertThat(sink.entered.await(10, TimeUnit.SECONDS)).isTrue();
            stage.submit(batch(2, 2), single(2), done(applied, all, 2));
            stage.submit(batch(4, 4), single(4), done(applied, all, 4));
            sink.release.countDown();
            assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(dead).containsExactly("4");
        // One by one, each change carries the offset of its own batch; then the merged batch's offset.
        assertThat(sink.applied).containsSubsequence("[1]@o1", "[2]@o2.0", "[]@o4");
    }

    private StoringStage stage(ChangeSink sink, OnError policy, List<String> dead) {
        SinkChain chain = new SinkChain(
                "s",
                List.of(sink),
                metrics,
                () -> false,
                n -> policy,
                (s, e, error) -> dead.add(e.row().get("id")));
        return new StoringStage("s", chain, 1000, () -> false);
    }

    private static Runnable done(List<Integer> applied, CountDownLatch all, int n) {
        return () -> {
            applied.add(n);
            all.countDown();
        };
    }

    private static ChangeBatch batch(int n, int... ids) {
        List<ChangeEvent> events =
                java.util.Arrays.stream(ids).mapToObj(StoringStageTest::event).toList();
        return new ChangeBatch("s", events, "o" + n, new Position(n, n), false);
    }

    private static IntFunction<ChangeBatch> single(int n) {
        return i -> new ChangeBatch("s", List.of(event(n)), "o" + n + "." + i, new Position(n, n), false);
    }

    private static ChangeEvent event(int id) {
        return new ChangeEvent(
                "s",
                "orders",
                ChangeEvent.Op.UPSERT,
                Map.of("id", String.valueOf(id)),
                List.of("id"),
                new Position(id, id),
                false,
                0);
    }

    /** Stores "[ids]@offset" per applied batch; blocks in its first apply until released; refuses batches holding {@code refuse}. */
    private static final class RecordingSink implements ChangeSink {
        final List<String> applied = new CopyOnWriteArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final int refuse;

        RecordingSink(int refuse) {
            this.refuse = refuse;
        }

        @Override
        public String name() {
            return "store";
        }

        @Override
        public void open() {}

        @Override
        public void apply(ChangeBatch batch) {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<String> ids =
                    batch.events().stream().map(e -> e.row().get("id")).toList();
            if (ids.contains(String.valueOf(refuse))) throw new IllegalStateException("refusing " + refuse);
            applied.add(ids.toString().replace("\"", "") + "@" + batch.offsetJson());
        }

        @Override
        public boolean storesOffsets() {
            return true;
        }

        @Override
        public void close() {}
    }
}
