package dev.shardline.cdc.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The sidecar's HTTP face on the JDK server: {@code /health} (the process runs), {@code /ready}
 * (every shard streams; 503 with the per-shard state otherwise) and {@code /metrics} (Prometheus).
 */
public final class HttpEndpoint implements AutoCloseable {
    private final HttpServer server;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Serves on {@code port}; {@code body} is the JSON object {@code /ready} returns (200 when {@code ready}, else 503). */
    public HttpEndpoint(
            int port, PrometheusMeterRegistry registry, BooleanSupplier ready, Supplier<Map<String, Object>> body) {
        try {
            server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new dev.shardline.cdc.ShardlineCdcException(
                    "cdc http - cannot listen on port " + port + ": " + e.getMessage()
                            + "; choose a free port in cdc.http.port",
                    e);
        }
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cdc-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/health", x -> send(x, 200, "text/plain", "ok\n"));
        server.createContext("/ready", x -> {
            boolean ok = ready.getAsBoolean();
            send(x, ok ? 200 : 503, "application/json", JSON.writeValueAsString(body.get()) + "\n");
        });
        server.createContext(
                "/metrics", x -> send(x, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void send(HttpExchange x, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
