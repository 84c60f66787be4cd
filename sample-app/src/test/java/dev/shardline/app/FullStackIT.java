package dev.shardline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.testkit.PgBackend;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The whole stack the demo runs (migrations, routing, cache, CDC, service), through HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FullStackIT {
    private final ObjectMapper json = OrdersService.jsonMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private DemoStack stack;

    @BeforeAll
    void start() throws Exception {
        stack = DemoStack.start(2, PgBackend.detect(), AppSettings.ofDefaults().withPort(0), m -> {});
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(stack.service.baseUri().resolve(path));
    }

    @Test
    void secondGet_isACacheHit() throws Exception {
        HttpResponse<String> created = send(at("/tenants/cache-t/orders")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sku\":\"mug\",\"quantity\":1,\"amountCents\":700}")));
        long id = json.readTree(created.body()).get("id").asLong();
        // CDC invalidates the new row's key too; once the analytics store has the row, that has happened
        // (the cache sink runs before the analytics sink), so it cannot race the two reads below.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stack.analyticsOrders() == stack.sourceOrders());
        long hits = stack.cache.stats().hits();
        assertThat(send(at("/tenants/cache-t/orders/" + id).GET()).statusCode()).isEqualTo(200);
        assertThat(send(at("/tenants/cache-t/orders/" + id).GET()).statusCode()).isEqualTo(200);
        assertThat(stack.cache.stats().hits()).isGreaterThan(hits);
    }

    @Test
    void analyticsSummary_reflectsNewOrderWithinCdcBound() throws Exception {
        for (int i = 0; i < 3; i++) {
            send(at("/tenants/analytics-t/orders")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"sku\":\"pen\",\"quantity\":2,\"amountCents\":250}")));
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> {
                    JsonNode s = json.readTree(
                            send(at("/tenants/analytics-t/summary").GET()).body());
                    assertThat(s.get("orders").asLong()).isEqualTo(3);
                    assertThat(s.get("revenueCents").asLong()).isEqualTo(750);
                });
        assertThat(stack.analyticsOrders()).isEqualTo(stack.sourceOrders());
    }

    @Test
    void ready_reportsShardsRedisAndCdc() throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            JsonNode r = json.readTree(send(at("/ready").GET()).body());
            assertThat(r.get("ready").asBoolean()).isTrue();
            assertThat(r.get("cdc").asText()).isEqualTo("up");
            assertThat(r.get("redis").asText()).isEqualTo("up");
        });
    }
}
