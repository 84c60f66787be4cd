package dev.shardline.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The sample multi-tenant orders service: HTTP + JSON on the JDK's server, data through Jdbi over
 * Shardline. Endpoints: {@code POST/GET /tenants/{t}/orders}, {@code GET /tenants/{t}/orders/{id}},
 * {@code GET /tenants/{t}/summary}, {@code /health}, {@code /ready}, {@code /metrics}.
 */
public final class OrdersService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OrdersService.class);

    static {
        // The JDK server writes headers and body separately; with Nagle on, each response waits for
        // the client's delayed ACK (~40 ms). Read once, when the server classes load.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final Pattern TENANT_PATH =
            Pattern.compile("/tenants/([A-Za-z0-9_.-]{1,64})/(orders|summary)(?:/(\\d{1,19}))?/?");

    private final HttpServer server;
    private final ExecutorService workers;
    private final OrderStore store;
    private final OrderReader reader;
    private final AnalyticsView analytics;
    private final TenantRateLimiter limiter;
    private final List<ReadinessCheck> checks;
    private final PrometheusMeterRegistry registry;
    private final ObjectMapper json;
    private final RequestTracing tracing;

    private OrdersService(Builder b) throws IOException {
        this.tracing = b.tracing;
        this.json = b.json;
        this.store = b.store;
        this.reader = b.reader != null ? b.reader : store::find;
        this.analytics = b.analytics;
        this.limiter = b.limiter;
        this.checks = List.copyOf(b.checks);
        this.registry = b.registry;
        this.workers = Executors.newFixedThreadPool(b.settings.workerThreads(), r -> {
            Thread t = new Thread(r, "orders-http");
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", b.settings.port()), 512);
        server.setExecutor(workers);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("orders service listening on {}", baseUri());
    }

    public static Builder builder(OrderStore store, PrometheusMeterRegistry registry) {
        return new Builder(store, registry);
    }

    /** The shared JSON mapper: ISO timestamps, records supported. */
    public static ObjectMapper jsonMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        String requestId = Optional.ofNullable(ex.getRequestHeaders().getFirst("X-Request-Id"))
                .orElse(UUID.randomUUID().toString());
        MDC.put("requestId", requestId);
        String route = "other";
        String tenant = null;
        int status = 500;
        RequestTracing.Request span = tracing.start(ex);
        try {
            ex.getResponseHeaders().set("X-Request-Id", requestId);
            String path = ex.getRequestURI().getPath();
            Matcher m = TENANT_PATH.matcher(path);
            if (path.equals("/health")) {
                route = "/health";
                status = send(ex, 200, Map.of("status", "up"));
            } else if (path.equals("/ready")) {
                route = "/ready";
                status = ready(ex);
            } else if (path.equals("/metrics")) {
                route = "/metrics";
                status = sendText(ex, 200, registry.scrape(), "text/plain; version=0.0.4");
            } else if (m.matches()) {
                route = "/tenants/{t}/" + m.group(2) + (m.group(3) != null ? "/{id}" : "");
                tenant = m.group(1);
                status = tenantRequest(ex, m.group(1), m.group(2), m.group(3));
            } else {
                status = send(ex, 404, error("no such endpoint: " + ex.getRequestMethod() + " " + path));
            }
        } catch (RuntimeException e) {
            LOG.warn("request failed: {} {}", ex.getRequestURI(), e.toString());
            status = send(ex, 503, error("temporarily unavailable: " + e.getMessage()));
        } finally {
            Timer.builder("http.server.requests")
                    .tag("method", ex.getRequestMethod())
                    .tag("route", route)
                    .tag("status", String.valueOf(status))
                    .publishPercentileHistogram()
                    .register(registry)
                    .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            // Per-tenant RED without a histogram: one series per tenant and outcome keeps the cardinality
            // at the number of tenants (bounded in the demo; put a cap in front of it for open tenant sets).
            span.end(route, tenant, status);
            if (tenant != null) {
                Timer.builder("shardline.tenant.requests")
                        .tag("tenant", tenant)
                        .tag("outcome", status >= 500 ? "error" : "ok")
                        .register(registry)
                        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
            MDC.remove("requestId");
            ex.close();
        }
    }

    private int tenantRequest(HttpExchange ex, String tenant, String what, String id) throws IOException {
        if (!limiter.tryAcquire(tenant)) {
            ex.getResponseHeaders().set("Retry-After", String.valueOf(limiter.retryAfterSeconds()));
            return send(
                    ex,
                    429,
                    error("tenant " + tenant + " is over its request rate; retry after " + limiter.retryAfterSeconds()
                            + " s"));
        }
        String method = ex.getRequestMethod();
        if (what.equals("summary") && method.equals("GET")) {
            if (analytics == null) return send(ex, 404, error("analytics are not enabled"));
            return send(ex, 200, analytics.summary(tenant));
        }
        if (id != null && method.equals("GET")) {
            Optional<Order> o = reader.find(tenant, Long.parseLong(id));
            return o.isPresent()
                    ? send(ex, 200, o.get())
                    : send(ex, 404, error("tenant " + tenant + " has no order " + id));
        }
        if (id == null && method.equals("GET")) {
            int limit = queryInt(ex, "limit", 20, 1, 200);
            return send(ex, 200, store.list(tenant, limit));
        }
        if (id == null && method.equals("POST")) return createOrder(ex, tenant);
        return send(ex, 405, error(method + " is not allowed here"));
    }

    private int createOrder(HttpExchange ex, String tenant) throws IOException {
        NewOrder req;
        try {
            req = json.readValue(ex.getRequestBody(), NewOrder.class);
        } catch (IOException e) {
            return send(
                    ex,
                    400,
                    error("body must be JSON {\"sku\": \"...\", \"quantity\": 1, \"amountCents\": 100}: "
                            + e.getMessage().lines().findFirst().orElse("")));
        }
        String problem = req.problem();
        if (problem != null) return send(ex, 400, error(problem));
        String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
        if (key != null && (key.isBlank() || key.length() > 255))
            return send(ex, 400, error("Idempotency-Key must be 1-255 characters"));
        try {
            OrderStore.Created c = store.create(tenant, req, key);
            if (c.replayed()) ex.getResponseHeaders().set("Idempotent-Replayed", "true");
            return sendText(ex, c.status(), c.body(), "application/json");
        } catch (OrderStore.KeyReusedException e) {
            return send(ex, 422, error(e.getMessage()));
        }
    }

    private int ready(HttpExchange ex) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean ok = true;
        for (ReadinessCheck c : checks) {
            String problem = c.problem();
            body.put(c.name(), problem == null ? "up" : problem);
            ok &= problem == null || !c.critical();
        }
        body.put("ready", ok);
        return send(ex, ok ? 200 : 503, body);
    }

    private static int queryInt(HttpExchange ex, String name, int dflt, int min, int max) {
        String q = ex.getRequestURI().getQuery();
        if (q == null) return dflt;
        for (String kv : q.split("&")) {
            if (kv.startsWith(name + "=")) {
                try {
                    return Math.max(min, Math.min(max, Integer.parseInt(kv.substring(name.length() + 1))));
                } catch (NumberFormatException e) {
                    return dflt;
                }
            }
        }
        return dflt;
    }

    private static Map<String, Object> error(String message) {
        return Map.of("error", message);
    }

    private int send(HttpExchange ex, int status, Object body) throws IOException {
        return sendText(ex, status, json.writeValueAsString(body), "application/json");
    }

    private static int sendText(HttpExchange ex, int status, String body, String type) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }

    /** Assembles the service; the store and registry are required, the rest optional. */
    public static final class Builder {
        private final OrderStore store;
        private final PrometheusMeterRegistry registry;
        private ObjectMapper json = jsonMapper();
        private AppSettings settings = AppSettings.ofDefaults();
        private OrderReader reader;
        private AnalyticsView analytics;
        private TenantRateLimiter limiter;
        private RequestTracing tracing = RequestTracing.NONE;
        private final List<ReadinessCheck> checks = new ArrayList<>();

        private Builder(OrderStore store, PrometheusMeterRegistry registry) {
            this.store = Objects.requireNonNull(store, "store");
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        public Builder settings(AppSettings s) {
            settings = Objects.requireNonNull(s, "settings");
            return this;
        }

        public Builder reader(OrderReader r) {
            reader = r;
            return this;
        }

        public Builder analytics(AnalyticsView a) {
            analytics = a;
            return this;
        }

        public Builder limiter(TenantRateLimiter l) {
            limiter = l;
            return this;
        }

        /** Traces requests with {@code otel}, continuing W3C {@code traceparent}; spans name the tenant's shard. */
        public Builder tracing(io.opentelemetry.api.OpenTelemetry otel, dev.shardline.config.ShardlineConfig config) {
            tracing = new RequestTracing(otel, config);
            return this;
        }

        public Builder check(ReadinessCheck c) {
            checks.add(Objects.requireNonNull(c, "check"));
            return this;
        }

        public OrdersService start() throws IOException {
            if (limiter == null) limiter = new TenantRateLimiter(null, settings.rateLimitPerSecond());
            return new OrdersService(this);
        }
    }
}
