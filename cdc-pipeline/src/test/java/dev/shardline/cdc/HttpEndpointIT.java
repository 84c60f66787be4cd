package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cdc.internal.HttpEndpoint;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding 7: scrapes cost no database sessions, and /ready is valid JSON whatever the error text holds. */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class HttpEndpointIT {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void metrics_scrapedTwentyTimes_opensNoDatabaseSessionPerScrape(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.resetSchema(cluster);
        ShardlineConfig cfg =
                ShardlineConfig.fromYaml(CdcFixture.yaml(cluster, dir, "scrape", "postgres", "  http: { port: 0 }\n"));
        CdcConfig cdc = CdcConfig.fromYaml(cfg);
        try (CdcPipeline p = CdcPipeline.builder(cfg, cdc).build()) {
            p.start();
            await().atMost(Duration.ofSeconds(30)).until(p::ready);
            long before = sessions(cluster);
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = get(p.httpPort(), "/metrics");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body())
                        .contains(
                                "shardline_cdc_lag_bytes{shard=\"shard-0\"}",
                                "shardline_cdc_slot_status{shard=\"shard-1\"}");
            }
            // The periodic slot check may open a session or two meanwhile; a session per shard per scrape would be 40.
            assertThat(sessions(cluster) - before).isLessThan(10);
        } finally {
            CdcPipeline.cleanup(cfg, cdc);
        }
    }

    @Test
    void ready_multiLineErrorWithQuotes_isValidJson() throws Exception {
        Map<String, String> status = new LinkedHashMap<>();
        status.put("shard-0", "down: sink postgres failed: ERROR: \"x\"\n  Where: line 2\\n");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", false);
        body.put("shards", status);
        try (HttpEndpoint e =
                new HttpEndpoint(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> false, () -> body)) {
            HttpResponse<String> r = get(e.port(), "/ready");
            assertThat(r.statusCode()).isEqualTo(503);
            JsonNode json = new ObjectMapper().readTree(r.body());
            assertThat(json.get("ready").asBoolean()).isFalse();
            assertThat(json.get("shards").get("shard-0").asText()).isEqualTo(status.get("shard-0"));
        }
    }

    private static long sessions(PgCluster cluster) throws Exception {
        long total = 0;
        for (var node : cluster.primaries()) {
            try (Connection c = node.connect()) {
                total += Long.parseLong(CdcFixture.rows(c, "SELECT sum(sessions) FROM pg_stat_database")
                        .get(0));
            }
        }
        return total;
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
