package dev.shardline.spring;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.routing.RoutingSettings;
import dev.shardline.routing.ShardlineDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The sharded {@code DataSource} from the {@code shardline.yaml} named by
 * {@code spring.shardline.config}, with its metrics on Boot's {@code MeterRegistry} and its
 * statement spans on the application's {@code OpenTelemetry} bean when there is one. Boot's own
 * DataSource auto-configuration then backs off, and {@code JdbcTemplate}, JPA or Jdbi use this one.
 */
@AutoConfiguration(
        before = DataSourceAutoConfiguration.class,
        afterName = "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnProperty(prefix = "spring.shardline", name = "config")
@EnableConfigurationProperties(ShardlineProperties.class)
public class ShardlineAutoConfiguration {

    /** Builds the DataSource; closed with the context (every pool and health check stops). */
    @Bean
    @ConditionalOnMissingBean
    public ShardlineDataSource shardlineDataSource(
            ShardlineProperties props, ObjectProvider<MeterRegistry> registry, ObjectProvider<OpenTelemetry> otel) {
        ShardlineConfig config = ShardlineConfig.fromYaml(props.config());
        RoutingSettings settings = RoutingSettings.from(config.section("routing"));
        if (props.tracing().tenant()) settings = settings.withTraceTenant(true);
        MeterRegistry meters = registry.getIfAvailable(() -> Metrics.globalRegistry);
        // Statement spans come from routing-core itself: the application's OpenTelemetry bean, else the
        // global one once installed (the agent's); none at all with spring.shardline.tracing.enabled=false.
        OpenTelemetry tracing = !props.tracing().enabled() ? OpenTelemetry.noop() : otel.getIfAvailable();
        return tracing == null
                ? ShardlineDataSource.create(config, settings, meters)
                : ShardlineDataSource.create(config, settings, meters, tracing);
    }
}
