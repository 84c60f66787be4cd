package dev.shardline.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.testkit.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The spans of cache gets and loads on a real Redis, exported through the SDK's in-memory exporter. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheTracingIT {
    static final AttributeKey<String> NAME = AttributeKey.stringKey("shardline.cache.name");
    static final AttributeKey<String> NAMESPACE = AttributeKey.stringKey("shardline.cache.namespace");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("shardline.cache.outcome");
    static final AttributeKey<Long> HITS = AttributeKey.longKey("shardline.cache.hits");
    static final AttributeKey<Long> MISSES = AttributeKey.longKey("shardline.cache.misses");
    static final AttributeKey<Long> KEYS = AttributeKey.longKey("shardline.cache.keys");
    static final AttributeKey<Boolean> FILL_REFUSED = AttributeKey.booleanKey("shardline.cache.fill.refused");

    /** A value as an application would cache it. */
    public record Product(String sku, long priceCents) {}

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    private RedisServer server;
    private TestCaches caches;

    @BeforeAll
    void start() {
        server = RedisServer.start();
        caches = new TestCaches();
    }

    @AfterAll
    void stop() {
        caches.close();
        server.close();
        otel.close();
    }

    @BeforeEach
    void clear() {
        spans.reset();
    }

    private RedissonCacheAside cache(CacheConfig.Builder cfg) {
        return RedissonCacheAside.create(
                "products",
                caches.client(server.address(), 3000),
                cfg.ttlJitter(0).earlyRefreshBeta(0).build(),
                JacksonCodec.of(new ObjectMapper()),
                new SimpleMeterRegistry(),
                otel);
    }

    private List<SpanData> named(String name) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name))
                .toList();
    }

    /** Neither the tenant nor the id of a key, nor any part of a value, may appear in a span. */
    private void assertNothingPersonal(String... secrets) {
        for (SpanData s : spans.getFinishedSpanItems()) {
            s.getAttributes().forEach((k, v) -> {
                for (String secret : secrets)
                    assertThat(String.valueOf(v)).as("%s of %s", k, s.getName()).doesNotContain(secret);
            });
        }
    }

    @Test
    void get_missThenHit_loadSpanOnlyOnTheMiss() {
        RedissonCacheAside cache = cache(caches.config());
        CacheKey key = CacheKey.of("product", "acme-tenant", "sku-4711");
        AtomicInteger loads = new AtomicInteger();
        CacheLoader<Product> loader = () -> {
            loads.incrementAndGet();
            return new Product("secret-sku", 999);
        };

        assertThat(cache.get(key, Product.class, loader)).isEqualTo(new Product("secret-sku", 999));
        SpanData miss = named("shardline cache get").get(0);
        assertThat(miss.getAttributes().get(OUTCOME)).isEqualTo("miss");
        assertThat(miss.getAttributes().get(NAME)).isEqualTo("products");
        assertThat(miss.getAttributes().get(NAMESPACE)).isEqualTo("product");
        SpanData load = named("shardline cache load").get(0);
        assertThat(load.getParentSpanId()).isEqualTo(miss.getSpanId());
        assertThat(load.getTraceId()).isEqualTo(miss.getTraceId());

        spans.reset();
        assertThat(cache.get(key, Product.class, loader)).isEqualTo(new Product("secret-sku", 999));
        assertThat(loads).hasValue(1);
        assertThat(named("shardline cache get"))
                .singleElement()
                .satisfies(s -> assertThat(s.getAttributes().get(OUTCOME)).isEqualTo("hit"));
        assertThat(named("shardline cache load")).isEmpty();
        assertNothingPersonal("acme-tenant", "sku-4711", "secret-sku", "999");
    }

    @Test
    void get_invalidatedDuringTheLoad_fillRefusedIsMarked() {
        RedissonCacheAside cache = cache(caches.config());
        CacheKey key = CacheKey.of("product", "acme-tenant", "racing");
        Product value = cache.get(key, Product.class, () -> {
            // A commit's invalidation arriving while the (older) read is in flight.
            cache.invalidate(key);
            return new Product("old", 1);
        });
        assertThat(value.sku()).isEqualTo("old");
        SpanData get = named("shardline cache get").get(0);
        assertThat(get.getAttributes().get(OUTCOME)).isEqualTo("miss");
        assertThat(get.getAttributes().get(FILL_REFUSED)).isTrue();
    }

    @Test
    void get_loaderFailsAfterTtl_staleValueServedAndTheLoadSpanFailed() {
        RedissonCacheAside cache =
                cache(caches.config().ttl(Duration.ofMillis(200)).staleFor(Duration.ofMinutes(1)));
        CacheKey key = CacheKey.of("product", "acme-tenant", "stale");
        cache.get(key, Product.class, () -> new Product("kept", 5));
        CacheLoader<Product> failing = () -> {
            throw new IllegalStateException("database down");
        };
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    spans.reset();
                    assertThat(cache.get(key, Product.class, failing)).isEqualTo(new Product("kept", 5));
                    return "stale"
                            .equals(named("shardline cache get")
                                    .get(0)
                                    .getAttributes()
                                    .get(OUTCOME));
                });
        SpanData load = named("shardline cache load").get(0);
        assertThat(load.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(load.getEvents())
                .singleElement()
                .satisfies(e -> assertThat(e.getAttributes().get(AttributeKey.stringKey("exception.message")))
                        .isNull());
    }

    @Test
    void getAll_twoCachedOneMissing_countsAndOneLoadOfOneKey() {
        RedissonCacheAside cache = cache(caches.config());
        CacheKey a = CacheKey.of("product", "acme-tenant", "a");
        CacheKey b = CacheKey.of("product", "acme-tenant", "b");
        CacheKey c = CacheKey.of("product", "acme-tenant", "c");
        cache.get(a, Product.class, () -> new Product("a", 1));
        cache.get(b, Product.class, () -> new Product("b", 2));
        spans.reset();
        Map<CacheKey, Product> all = cache.getAll(List.of(a, b, c), Product.class, (Set<CacheKey> missing) -> {
            assertThat(missing).containsExactly(c);
            return Map.of(c, new Product("c", 3));
        });
        assertThat(all).hasSize(3);
        SpanData get = named("shardline cache getAll").get(0);
        assertThat(get.getAttributes().get(KEYS)).isEqualTo(3L);
        assertThat(get.getAttributes().get(HITS)).isEqualTo(2L);
        assertThat(get.getAttributes().get(MISSES)).isEqualTo(1L);
        assertThat(get.getAttributes().get(NAMESPACE)).isEqualTo("product");
        assertThat(named("shardline cache load")).singleElement().satisfies(l -> {
            assertThat(l.getAttributes().get(KEYS)).isEqualTo(1L);
            assertThat(l.getParentSpanId()).isEqualTo(get.getSpanId());
        });
    }
}
