package dev.shardline.routing.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what the isolation rule refused ({@code shardline_statements_rejected_total{reason}}) and
 * what ran unrestricted, and logs each distinct refused SQL text once: the adoption report a team
 * reads to see which of its statements need a change.
 */
final class RoutingMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingMetrics.class);
    private final MeterRegistry registry;
    private final Counter unrestricted;
    private final Cache<String, Boolean> logged =
            Caffeine.newBuilder().maximumSize(10_000).build();

    RoutingMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.unrestricted = Counter.builder("shardline.statements.unrestricted")
                .description("statements run inside Tenants.unrestricted without isolation checks")
                .register(registry);
    }

    void rejected(String reason, String sql) {
        StatementTracing.rejected(reason);
        Counter.builder("shardline.statements.rejected")
                .tag("reason", reason)
                .description("statements refused because they could touch other tenants' rows")
                .register(registry)
                .increment();
        if (logged.asMap().putIfAbsent(reason + '\u0000' + sql, Boolean.TRUE) == null) {
            LOG.warn("refused ({}): {}", reason, Router.abbreviate(sql));
        }
    }

    void unrestricted() {
        unrestricted.increment();
    }
}
