package dev.shardline.spring;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.routing.RoutingSettings;
import dev.shardline.routing.ShardlineDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The sharded {@code DataSource} from the {@code shardline.yaml} named by
 * {@code spring.shardline.config}, with its metrics on Boot's {@code MeterRegistry}. Boot's own
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
  public ShardlineDataSource shardlineDataSource(ShardlineProperties props, ObjectProvider<MeterRegistry> registry) {
    ShardlineConfig config = ShardlineConfig.fromYaml(props.config());
    return ShardlineDataSource.create(config, RoutingSettings.from(config.section("routing")),
        registry.getIfAvailable(() -> Metrics.globalRegistry));
  }
}
