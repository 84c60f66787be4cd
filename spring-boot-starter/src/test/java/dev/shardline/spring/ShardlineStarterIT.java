package dev.shardline.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.routing.Tenants;
import dev.shardline.spring.demo.StarterDemoApp;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.RedisServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter end to end in a small Boot application on real PostgreSQL (2 shards with a replica
 * each) and Redis: DataSource from shardline.yaml, tenant per request, {@code @Cacheable} on
 * cache-aside, Actuator health per endpoint, metrics on Boot's registry.
 */
@SpringBootTest(
        classes = {StarterDemoApp.class, ShardlineStarterIT.Otel.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoints.web.exposure.include=health",
            "management.endpoint.health.show-details=always",
            "spring.shardline.tenant.path-pattern=/tenants/{tenant}/**"
        })
@DirtiesContext(
        classMode = DirtiesContext.ClassMode.AFTER_CLASS) // pools and Redis client close before the servers stop
class ShardlineStarterIT {
    /** The application's OpenTelemetry: the SDK with W3C propagation and an in-memory exporter. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Otel {
        @Bean
        InMemorySpanExporter spans() {
            return InMemorySpanExporter.create();
        }

        @Bean
        OpenTelemetry openTelemetry(InMemorySpanExporter spans) {
            return OpenTelemetrySdk.builder()
                    .setTracerProvider(SdkTracerProvider.builder()
                            .addSpanProcessor(SimpleSpanProcessor.create(spans))
                            .build())
                    .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                    .build();
        }
    }

    private static PgCluster cluster;
    private static RedisServer redis;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @LocalServerPort
    int port;

    @Autowired
    ShardlineDataSource ds;

    @Autowired
    StarterDemoApp.Orders orders;

    @Autowired
    CacheManager caches;

    @Autowired
    MeterRegistry registry;

    @Autowired
    InMemorySpanExporter spans;

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry props) throws Exception {
        // Stopped in JVM shutdown hooks, after @DirtiesContext has closed the application context.
        cluster = PgCluster.start(2, 1);
        redis = RedisServer.start();
        RedisServer r = redis;
        Runtime.getRuntime().addShutdownHook(new Thread(r::close, "starter-it-redis"));
        cluster.executeOnPrimaries(
                "CREATE TABLE orders (tenant_id text NOT NULL, id bigint NOT NULL, status text, PRIMARY KEY (tenant_id, id))");
        Path yaml = cluster.writeShardlineYaml(
                Files.createTempDirectory("starter-it").resolve("shardline.yaml"),
                "tables:\n  sharded: { orders: tenant_id }\ncache:\n  redis: { address: \"" + redis.address()
                        + "\" }\n");
        props.add("spring.shardline.config", yaml::toString);
    }

    private JsonNode get(String path, String tenantHeader) throws Exception {
        return get(path, tenantHeader, null);
    }

    private JsonNode get(String path, String tenantHeader, String traceparent) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (tenantHeader != null) b.header("X-Tenant-Id", tenantHeader);
        if (traceparent != null) b.header("traceparent", traceparent);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        return JSON.createObjectNode().put("http", r.statusCode()).set("body", body);
    }

    private void insert(String tenant, long id, String status) {
        Tenants.run(
                tenant,
                () -> new JdbcTemplate(ds)
                        .update("INSERT INTO orders (tenant_id, id, status) VALUES (?, ?, ?)", tenant, id, status));
    }

    private List<Integer> portsOfShardOf(String tenant) {
        int shard = ds.config().buckets().shardIndexOf(tenant);
        List<Integer> ports = new ArrayList<>(List.of(cluster.primary(shard).port()));
        cluster.replicas(shard).forEach(r -> ports.add(r.port()));
        return ports;
    }

    @Test
    void health_listsEveryShardEndpoint() throws Exception {
        JsonNode health = get("/actuator/health", null);
        assertThat(health.get("http").asInt()).isEqualTo(200);
        JsonNode shardline = health.get("body").get("components").get("shardline");
        assertThat(shardline.get("status").asText()).isEqualTo("UP");
        for (int i = 0; i < 2; i++) {
            JsonNode shard = shardline.get("components").get("shard-" + i).get("components");
            assertThat(shard.get("primary").get("status").asText()).isEqualTo("UP");
            assertThat(shard.get("primary").get("details").get("role").asText()).isEqualToIgnoringCase("primary");
            assertThat(shard.get("replica-0").get("status").asText()).isEqualTo("UP");
            assertThat(shard.get("replica-0").get("details").has("lagMillis")).isTrue();
        }
        assertThat(shardline.get("components").size()).isEqualTo(2);

        Tenants.call(run + "-h", () -> orders.find(1)); // creates the "order" cache if no test has yet
        JsonNode cache =
                get("/actuator/health", null).get("body").get("components").get("shardlineCache");
        assertThat(cache.get("status").asText()).isEqualTo("UP");
        assertThat(cache.get("details").get("order").get("breaker").asText()).isEqualTo("closed");
    }

    @Test
    void request_tenantFromPathOrHeader_runsOnTheTenantsShard() throws Exception {
        String a = run + "-a";
        String b = run + "-b";
        insert(a, 1, "paid");
        insert(b, 1, "open");
        cluster.awaitReplication(Duration.ofSeconds(10));

        JsonNode byPath = get("/tenants/" + a + "/orders/1", null);
        assertThat(byPath.get("http").asInt()).isEqualTo(200);
        assertThat(byPath.get("body").get("status").asText()).isEqualTo("paid");
        assertThat(portsOfShardOf(a))
                .contains(byPath.get("body").get("servedByPort").asInt());

        JsonNode byHeader = get("/orders/1", b);
        assertThat(byHeader.get("body").get("tenant").asText()).isEqualTo(b);
        assertThat(byHeader.get("body").get("status").asText()).isEqualTo("open");
        assertThat(portsOfShardOf(b))
                .contains(byHeader.get("body").get("servedByPort").asInt());

        assertThat(get("/tenants/" + run + "-nobody/orders/1", null).get("http").asInt())
                .isEqualTo(404);
        assertThat(get("/orders/1", null).get("http").asInt())
                .as("no tenant: the router refuses to scatter")
                .isEqualTo(500);
    }

    @Test
    void cacheable_concurrentMisses_loadOnceThenEvictReloads() throws Exception {
        String t = run + "-c";
        insert(t, 7, "new");
        cluster.awaitReplication(Duration.ofSeconds(10));
        int before = orders.loads();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<StarterDemoApp.Order>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) calls.add(() -> Tenants.call(t, () -> orders.find(7)));
            for (Future<StarterDemoApp.Order> f : pool.invokeAll(calls))
                assertThat(f.get().status()).isEqualTo("new");
        } finally {
            pool.shutdownNow();
        }
        assertThat(orders.loads() - before).as("loads for 16 concurrent misses").isEqualTo(1);

        Tenants.run(t, () -> new JdbcTemplate(ds).update("UPDATE orders SET status = 'shipped' WHERE id = 7"));
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertThat(Tenants.call(t, () -> orders.find(7)).status())
                .as("cached until evicted")
                .isEqualTo("new");
        Tenants.run(t, () -> caches.getCache("order").evict(7L));
        assertThat(Tenants.call(t, () -> orders.find(7)).status()).isEqualTo("shipped");
        assertThat(Tenants.call(run + "-other", () -> orders.find(7)))
                .as("another tenant's key")
                .isNull();
    }

    @Test
    void metrics_routedStatementsAndCache_onBootsRegistry() throws Exception {
        get("/orders/1", run + "-m");
        assertThat(registry.find("shardline.statements").timers()).isNotEmpty();
        assertThat(registry.find("shardline.replica.lag").tag("role", "replica").gauges())
                .hasSize(2);
        assertThat(registry.find("cache.loads").tag("cache", "order").timers()).isNotEmpty();
        assertThat(registry.find("hikaricp.connections.active").gauges()).isNotEmpty();
    }

    @Test
    void tracing_requestWithW3cTraceparent_statementSpanNamesTheShard() throws Exception {
        String t = run + "-trace";
        insert(t, 42, "traced");
        cluster.awaitReplication(Duration.ofSeconds(10));
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";

        JsonNode r = get("/tenants/" + t + "/orders/42", null, "00-" + traceId + "-" + callerSpan + "-01");
        assertThat(r.get("http").asInt()).isEqualTo(200);

        List<SpanData> trace = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getTraceId().equals(traceId))
                .toList();
        SpanData server = trace.stream()
                .filter(s -> s.getKind() == SpanKind.SERVER)
                .findFirst()
                .orElseThrow();
        assertThat(server.getParentSpanId()).isEqualTo(callerSpan);
        SpanData statement = trace.stream()
                .filter(s -> s.getName().equals("shardline SELECT"))
                .findFirst()
                .orElseThrow();
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.shard")))
                .isEqualTo("shard-" + ds.config().buckets().shardIndexOf(t));
        assertThat(statement.getInstrumentationScopeInfo().getName())
                .as("opened by routing-core itself")
                .isEqualTo("dev.shardline.routing");
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.endpoint.role")))
                .isIn("primary", "replica");
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.endpoint")))
                .startsWith("shard-" + ds.config().buckets().shardIndexOf(t) + "/");
        // SELECT ... WHERE id = ? inside the request's tenant context: restricted to the tenant's rows.
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.route.reason")))
                .isEqualTo("tenant_context_restricted");
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.route.detail")))
                .as("it names the tenant")
                .isNull();
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.tenant")))
                .as("tenant only when enabled")
                .isNull();
        assertThat(trace)
                .as("the statement span descends from the server span")
                .anyMatch(s -> s.getSpanId().equals(statement.getParentSpanId()));
    }

    @Test
    void tracing_statementWithoutTenant_spanRecordsTheRejection() throws Exception {
        spans.reset();
        assertThat(get("/orders/991", null, "00-" + "5bf92f3577b34da6a3ce929d0e0e4736" + "-00f067aa0ba902b7-01")
                        .get("http")
                        .asInt())
                .isEqualTo(500);
        SpanData statement = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("shardline SELECT"))
                .findFirst()
                .orElseThrow();
        assertThat(statement.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(statement.getAttributes().get(AttributeKey.booleanKey("shardline.rejected")))
                .isTrue();
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("db.response.status_code")))
                .isEqualTo("SL001");
        assertThat(statement.getAttributes().get(AttributeKey.stringKey("shardline.rejection.reason")))
                .isEqualTo("isolation");
    }
}
