package dev.shardline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every metric {@code docs/grafana/shardline-dashboard.json} queries is one the code exports. The
 * meters are found by reading the Micrometer builders in every module's main sources, registered
 * under the same name, type, base unit and histogram setting in a real Prometheus registry, and
 * scraped, so the Prometheus names are the registry's own; HikariCP's pool meters come from a real
 * (never connected) pool.
 */
class DashboardMetricsTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BUILDER = Pattern.compile(
            "\\b(Counter|Timer|Gauge|DistributionSummary)\\.builder\\(\\s*\"([a-z][a-z0-9_.]*)\"([^;]*);",
            Pattern.DOTALL);
    private static final Pattern GAUGE_HELPER = Pattern.compile("\\bgauge\\(\\s*\"([a-z][a-z0-9_.]*)\"");
    /** cache-aside registers its counters through counter(registry, cacheName, "meter.name", description). */
    private static final Pattern COUNTER_HELPER =
            Pattern.compile("\\bcounter\\(\\s*\\w+\\s*,\\s*\\w+\\s*,\\s*\"([a-z][a-z0-9_.]*)\"");

    private static final Pattern BASE_UNIT = Pattern.compile("\\.baseUnit\\(\\s*\"([^\"]+)\"");
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");

    private static final List<String> meters = new ArrayList<>();
    private static final Set<String> exported = new TreeSet<>();

    @BeforeAll
    static void exportEverything() throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Stream<Path> files = Files.walk(REPO)) {
            for (Path f : files.filter(DashboardMetricsTest::isMainJava).toList())
                register(Files.readString(f), registry);
        }
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/never");
        c.setPoolName("shard-0/primary");
        c.setMinimumIdle(0);
        c.setInitializationFailTimeout(-1);
        c.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        try (HikariDataSource pool = new HikariDataSource(c)) {
            registry.scrape()
                    .lines()
                    .filter(l -> !l.startsWith("#") && !l.isBlank())
                    .map(l -> l.split("[{ ]", 2)[0])
                    .forEach(exported::add);
        }
    }

    private static void register(String source, PrometheusMeterRegistry r) {
        Matcher m = BUILDER.matcher(source);
        while (m.find()) {
            String name = m.group(2);
            String chain = m.group(3);
            Matcher unit = BASE_UNIT.matcher(chain);
            String baseUnit = unit.find() ? unit.group(1) : null;
            meters.add(name);
            switch (m.group(1)) {
                case "Counter" -> Counter.builder(name).baseUnit(baseUnit).register(r);
                case "Gauge" -> Gauge.builder(name, () -> 1).baseUnit(baseUnit).register(r);
                case "Timer" -> {
                    Timer.Builder t = Timer.builder(name);
                    if (chain.contains("publishPercentileHistogram")) t.publishPercentileHistogram();
                    t.register(r);
                }
                default ->
                    io.micrometer.core.instrument.DistributionSummary.builder(name)
                            .baseUnit(baseUnit)
                            .publishPercentileHistogram(chain.contains("publishPercentileHistogram"))
                            .register(r);
            }
        }
        Matcher c = COUNTER_HELPER.matcher(source);
        while (c.find()) {
            meters.add(c.group(1));
            Counter.builder(c.group(1)).register(r);
        }
        Matcher g = GAUGE_HELPER.matcher(source);
        while (g.find()) {
            meters.add(g.group(1));
            Gauge.builder(g.group(1), () -> 1).register(r);
        }
    }

    private static boolean isMainJava(Path p) {
        String s = REPO.relativize(p).toString();
        return s.endsWith(".java") && s.contains("/src/main/java/") && !s.contains("/target/");
    }

    private static Set<String> queried() throws IOException {
        JsonNode dash = new ObjectMapper()
                .readTree(REPO.resolve("docs/grafana/shardline-dashboard.json").toFile());
        Set<String> names = new TreeSet<>();
        for (JsonNode expr : dash.findValues("expr")) {
            Matcher m = SELECTOR.matcher(expr.asText());
            int found = 0;
            while (m.find()) {
                names.add(m.group(1));
                found++;
            }
            assertThat(found)
                    .as("every query names its metrics with a {…} selector: %s", expr.asText())
                    .isPositive();
        }
        for (JsonNode q : dash.findValues("definition")) {
            Matcher m = LABEL_VALUES.matcher(q.asText());
            while (m.find()) names.add(m.group(1));
        }
        return names;
    }

    @Test
    void sources_declareTheKnownMeters() {
        assertThat(meters)
                .contains(
                        "shardline.statements",
                        "shardline.replica.lag",
                        "cache.loads",
                        "cache.hits",
                        "shardline.cdc.lag.ms",
                        "shardline.cdc.lag.bytes",
                        "shardline.tenant.requests",
                        "http.server.requests");
        assertThat(exported).contains("hikaricp_connections_active", "shardline_statements_seconds_count");
    }

    @Test
    void dashboard_everyQueriedMetric_isExported() throws IOException {
        Set<String> queried = queried();
        assertThat(queried).hasSizeGreaterThan(15);
        assertThat(exported).as("metrics the code exports").containsAll(queried);
    }

    @Test
    void dashboard_coversShardsTenantsPoolsLagCacheAndCdc() throws IOException {
        Set<String> queried = queried();
        for (String prefix : List.of(
                "shardline_statements_",
                "shardline_tenant_requests_",
                "hikaricp_connections_",
                "shardline_replica_lag",
                "cache_hits",
                "cache_loads_",
                "cache_lock_waits",
                "shardline_cdc_lag_ms",
                "shardline_cdc_lag_bytes")) {
            assertThat(queried).as("a panel on %s", prefix).anyMatch(n -> n.startsWith(prefix));
        }
    }
}
