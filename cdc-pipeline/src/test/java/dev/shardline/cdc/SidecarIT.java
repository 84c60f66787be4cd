package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shardline.cdc.cli.CdcCommand;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The sidecar process: readiness and metrics over HTTP, graceful stop on SIGTERM, cleanup of slots. */
@WithPgCluster(primaries = 2, replicas = 0, shared = true)
class SidecarIT {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void sidecar_servesHealthReadinessMetrics_stopsOnSigterm_cleanupDropsSlots(PgCluster cluster, @TempDir Path dir)
            throws Exception {
        CdcFixture.resetSchema(cluster);
        CdcFixture.createDatabase(cluster.primary(0), "analytics_sidecar");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path yaml = CdcFixture.yaml(cluster, dir, "sidecar", "analytics_sidecar", "  http: { port: " + port + " }\n");
        Process p = CrashDrillIT.startSidecar(yaml, dir);
        try {
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> get(port, "/health").statusCode() == 200);
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> get(port, "/ready").statusCode() == 200);
            assertThat(get(port, "/ready").body()).contains("\"shard-0\":\"streaming\"", "\"shard-1\":\"streaming\"");
            cluster.primary(1).execute("INSERT INTO orders (tenant_id, id, amount) VALUES (900, 1, 1.00)");
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(get(port, "/metrics").body())
                            .contains("shardline_cdc_events_total{shard=\"shard-1\"} 1.0")
                            .contains(
                                    "shardline_cdc_lag_ms{shard=\"shard-1\"}",
                                    "shardline_cdc_lag_bytes{shard=\"shard-0\"}"));
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("graceful stop").isTrue();
        } finally {
            if (p.isAlive()) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(slots(cluster, "sidecar_shard_0")).isEqualTo(1);
        StringWriter out = new StringWriter();
        int code = new CommandLine(new CdcCommand())
                .setOut(new PrintWriter(out))
                .execute("cleanup", "--config", yaml.toString());
        assertThat(code).isZero();
        assertThat(out.toString()).contains("shard-0: slot sidecar_shard_0", "shard-1: publication sidecar_cdc");
        assertThat(slots(cluster, "sidecar_shard_0")).isZero();
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int slots(PgCluster cluster, String name) throws Exception {
        try (Connection c = cluster.primary(0).connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
