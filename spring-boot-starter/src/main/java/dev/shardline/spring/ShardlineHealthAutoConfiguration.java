package dev.shardline.spring;

import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.spring.internal.EndpointHealth;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Actuator health per shard endpoint under {@code /actuator/health/shardline}: one component per
 * shard, one per primary and replica inside it, with role, breaker state and replica lag as
 * details. Switch off with {@code management.health.shardline.enabled=false}.
 */
@AutoConfiguration(
    after = ShardlineAutoConfiguration.class,
    beforeName = "org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthContributor")
@ConditionalOnBean(ShardlineDataSource.class)
@ConditionalOnEnabledHealthIndicator("shardline")
public class ShardlineHealthAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean(name = "shardlineHealthContributor")
  public CompositeHealthContributor shardlineHealthContributor(ShardlineDataSource ds) {
    return EndpointHealth.of(ds);
  }
}
