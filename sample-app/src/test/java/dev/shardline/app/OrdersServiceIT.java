package dev.shardline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.routing.RoutingSettings;
import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.RedisServer;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

@WithPgCluster(primaries = 2, replicas = 1, shared = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrdersServiceIT {
    private final PgCluster cluster;
    private final ObjectMapper json = OrdersService.jsonMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ShardlineDataSource ds;
    private RedisServer redisServer;
    private RedissonClient redis;
    private OrdersService service;
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    /** The application's SDK: its server spans and the statement spans routing-core opens share it. */
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();

    OrdersServiceIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void start() throws Exception {
        Path yaml = cluster.writeShardlineYaml(
                Files.createTempDirectory("app-it").resolve("shardline.yaml"),
                AppSchema.TABLES_YAML
                        + "routing:\n  healthCheckInterval: 50ms\n  breaker: { minimumCalls: 2, waitInOpen: 500ms }\n");
        ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ds = ShardlineDataSource.create(cfg, RoutingSettings.from(cfg.section("routing")), registry, otel);
        AppSchema.apply(ds);
        redisServer = RedisServer.start();
        Config rc = new Config();
        rc.useSingleServer().setAddress(redisServer.address()).setTimeout(500).setRetryAttempts(0);
        redis = Redisson.create(rc);
        OrderStore store = new OrderStore(Jdbi.create(ds), json, Duration.ofHours(1));
        service = OrdersService.builder(store, registry)
                .settings(AppSettings.ofDefaults().withPort(0).withRateLimit(20))
                .limiter(new TenantRateLimiter(redis, 20))
                .check(new ShardReadiness(ds))
                .tracing(otel, cfg)
                .start();
    }

    @AfterAll
    void stop() {
        service.close();
        redis.shutdown();
        redisServer.close();
        ds.close();
        otel.close();
    }

    private HttpResponse<String> post(String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(service.baseUri().resolve(path))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Idempotency-Key", key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(service.baseUri().resolve(path))
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void createOrder_retriedWithSameKey_sameBodyOneRow_conflictingBody422() throws Exception {
        String body = "{\"sku\":\"book\",\"quantity\":2,\"amountCents\":1500}";
        HttpResponse<String> first = post("/tenants/idem-1/orders", body, "key-1");
        HttpResponse<String> retry = post("/tenants/idem-1/orders", body, "key-1");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).contains("true");
        HttpResponse<String> conflicting =
                post("/tenants/idem-1/orders", "{\"sku\":\"book\",\"quantity\":3,\"amountCents\":1500}", "key-1");
        assertThat(conflicting.statusCode()).isEqualTo(422);
        assertThat(json.readTree(conflicting.body()).get("error").asText())
                .contains("key-1")
                .contains("different request body");
        JsonNode list = json.readTree(get("/tenants/idem-1/orders").body());
        assertThat(list).hasSize(1);
        long id = json.readTree(first.body()).get("id").asLong();
        assertThat(json.readTree(get("/tenants/idem-1/orders/" + id).body())
                        .get("sku")
                        .asText())
                .isEqualTo("book");
    }

    @Test
    void createOrder_concurrentRetriesOfOneKey_oneRow() throws Exception {
        String body = "{\"sku\":\"pen\",\"quantity\":1,\"amountCents\":100}";
        List<Thread> threads = new ArrayList<>();
        List<String> bodies = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                try {
                    bodies.add(post("/tenants/idem-2/orders", body, "same-key").body());
                } catch (Exception e) {
                    bodies.add("failed: " + e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        assertThat(bodies).hasSize(8).allMatch(b -> b.equals(bodies.get(0)));
        assertThat(json.readTree(get("/tenants/idem-2/orders").body())).hasSize(1);
    }

    @Test
    void burst_overTenantRate_429WithRetryAfter() throws Exception {
        int limited = 0;
        String retryAfter = null;
        for (int i = 0; i < 60; i++) {
            HttpResponse<String> r = get("/tenants/bursty/orders");
            if (r.statusCode() == 429) {
                limited++;
                retryAfter = r.headers().firstValue("Retry-After").orElse(null);
            }
        }
        assertThat(limited).isPositive();
        assertThat(retryAfter).isEqualTo("1");
        assertThat(get("/tenants/calm/orders").statusCode()).isEqualTo(200);
    }

    @Test
    void badRequests_clearErrors() throws Exception {
        assertThat(post("/tenants/t/orders", "{\"sku\":\"\",\"quantity\":1,\"amountCents\":1}", null)
                        .body())
                .contains("sku is required");
        assertThat(post("/tenants/t/orders", "not json", null).statusCode()).isEqualTo(400);
        assertThat(get("/tenants/t/orders/999").statusCode()).isEqualTo(404);
        assertThat(get("/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void ready_falseWhileAShardPrimaryIsDown_trueAfter() throws Exception {
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        cluster.primary(1).stop();
        try {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> get("/ready").statusCode() == 503);
            assertThat(get("/ready").body()).contains("shard-1/primary");
        } finally {
            cluster.primary(1).start();
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .until(() -> get("/ready").statusCode() == 200);
        assertThat(get("/metrics").body()).contains("http_server_requests_seconds_count");
    }

    @Test
    void tracing_w3cTraceparent_serverSpanContinuesTheTraceAndTheLibrarysStatementSpanNamesTheShard() throws Exception {
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(service.baseUri().resolve("/tenants/trace-t/orders/1"))
                        .header("traceparent", "00-" + traceId + "-b7ad6b7169203331-01")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        SpanData server = Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(
                        () -> spans.getFinishedSpanItems().stream()
                                .filter(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER)
                                .findFirst()
                                .orElse(null),
                        s -> s != null);
        assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(server.getParentSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(server.getName()).isEqualTo("GET /tenants/{t}/orders/{id}");
        String shard = "shard-" + ds.config().buckets().shardIndexOf("trace-t");
        assertThat(server.getAttributes().get(AttributeKey.stringKey("shardline.shard")))
                .isEqualTo(shard);
        // The statement the request ran, traced by routing-core inside the same W3C trace.
        SpanData statement = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getTraceId().equals(traceId) && s.getName().equals("shardline SELECT"))
                .findFirst()
                .orElseThrow();
        assertThat(statement.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(statement.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(statement.getInstrumentationScopeInfo().getName()).isEqualTo("dev.shardline.routing");
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.shard")))
                .isEqualTo(shard);
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.endpoint.role")))
                .isIn("primary", "replica");
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.route.reason")))
                .isNotNull();
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.tenant")))
                .as("off by default")
                .isNull();
    }

    @Test
    void metrics_tenantRequest_countedPerTenantAndOutcome() throws Exception {
        get("/tenants/metrics-t/orders/1");
        assertThat(get("/metrics").body())
                .containsPattern("shardline_tenant_requests_seconds_count\\{[^}]*tenant=\"metrics-t\"[^}]*\\} 1");
    }
}
