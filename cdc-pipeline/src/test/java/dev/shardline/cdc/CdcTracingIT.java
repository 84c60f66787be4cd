package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The span of each CDC batch, exported through the SDK's in-memory exporter, from a real shard's WAL. */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class CdcTracingIT {
    static final AttributeKey<String> SHARD = AttributeKey.stringKey("shardline.shard");
    static final AttributeKey<Long> EVENTS = AttributeKey.longKey("shardline.cdc.events");
    static final AttributeKey<Long> FIRST_LSN = AttributeKey.longKey("shardline.cdc.lsn.first");
    static final AttributeKey<Long> LAST_LSN = AttributeKey.longKey("shardline.cdc.lsn.last");
    static final AttributeKey<List<String>> SINKS = AttributeKey.stringArrayKey("shardline.cdc.sinks");

    @Test
    void batch_spanNamesShardEventCountAndLsnRange_andRecordsTheSinksFailedAttempt(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_trace");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(
                CdcFixture.yaml(cluster, dir, "trace", "analytics_trace", "  snapshot: never\n"));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        RecordingSink sink = new RecordingSink();
        try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                        .setTracerProvider(SdkTracerProvider.builder()
                                .addSpanProcessor(SimpleSpanProcessor.create(spans))
                                .build())
                        .build();
                CdcPipeline p = CdcPipeline.builder(cfg, cdc)
                        .sink(sink)
                        .openTelemetry(otel)
                        .build()) {
            p.start();
            await().atMost(Duration.ofSeconds(30)).until(p::ready);
            for (int id = 1; id <= 5; id++) {
                cluster.primary(0)
                        .execute("INSERT INTO orders (tenant_id, id, amount, note) VALUES (1, " + id + ", 1.00, 'n" + id
                                + "')");
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> sink.ids.get() >= 5);
            // The batches the sink applied, each as the span of the stage it ran in must describe it.
            for (Applied a : sink.applied) {
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(spans.getFinishedSpanItems())
                                .anySatisfy(s -> {
                                    assertThat(s.getName()).isEqualTo("shardline cdc batch");
                                    assertThat(s.getAttributes().get(SHARD)).isEqualTo("shard-0");
                                    assertThat(s.getAttributes().get(SINKS)).contains("recording");
                                    assertThat(s.getAttributes().get(EVENTS)).isEqualTo(a.events());
                                    assertThat(s.getAttributes().get(FIRST_LSN)).isEqualTo(a.firstLsn());
                                    assertThat(s.getAttributes().get(LAST_LSN)).isEqualTo(a.lastLsn());
                                }));
            }
            SpanData retried = spans.getFinishedSpanItems().stream()
                    .filter(s ->
                            s.getEvents().stream().anyMatch(e -> e.getName().equals("sink error")))
                    .findFirst()
                    .orElseThrow();
            assertThat(retried.getEvents())
                    .anySatisfy(e -> assertThat(e.getAttributes().get(AttributeKey.stringKey("shardline.cdc.sink")))
                            .isEqualTo("recording"));
            assertThat(retried.getStatus().getStatusCode())
                    .as("the retry succeeded")
                    .isNotEqualTo(StatusCode.ERROR);
            assertThat(retried.getParentSpanContext().isValid())
                    .as("a batch is a root span")
                    .isFalse();
            assertThat(spans.getFinishedSpanItems())
                    .as("the offset-storing stage has spans of its own")
                    .anySatisfy(s -> assertThat(s.getAttributes().get(SINKS))
                            .isNotEmpty()
                            .doesNotContain("recording"));
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    private record Applied(long events, long firstLsn, long lastLsn) {}

    /** Records each applied batch with changes; refuses the first one once, so it is retried. */
    private static final class RecordingSink implements ChangeSink {
        final List<Applied> applied = new CopyOnWriteArrayList<>();
        final AtomicInteger ids = new AtomicInteger();
        private boolean failedOnce;

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public void open() {}

        @Override
        public void apply(ChangeBatch batch) {
            if (batch.events().isEmpty()) return;
            if (!failedOnce) {
                failedOnce = true;
                throw new IllegalStateException("recording sink - refusing the first batch once");
            }
            long first = batch.events().stream()
                    .mapToLong(e -> e.position().lsn())
                    .min()
                    .orElseThrow();
            long last = batch.events().stream()
                    .mapToLong(e -> e.position().lsn())
                    .max()
                    .orElseThrow();
            applied.add(new Applied(batch.events().size(), first, last));
            ids.addAndGet((int) batch.events().stream()
                    .filter(e -> e.table().equals("orders") && e.op() == ChangeEvent.Op.UPSERT)
                    .count());
        }

        @Override
        public void close() {}
    }
}
