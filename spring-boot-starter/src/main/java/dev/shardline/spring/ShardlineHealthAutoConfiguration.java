package dev.shardline.spring;

import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.spring.internal.CacheHealth;
import dev.shardline.spring.internal.EndpointHealth;
import dev.shardline.spring.internal.ShardlineCacheManager;
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
 * details; and the Spring caches on cache-aside under {@code shardlineCache}. Switch off with
 * {@code management.health.shardline.enabled=false}.
 */
@AutoConfiguration(
        after = {ShardlineAutoConfiguration.class, ShardlineCacheAutoConfiguration.class},
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

    /** Per Spring cache on cache-aside: breaker, hit ratio, Redis errors ({@code /actuator/health/shardlineCache}). */
    @Bean
    @ConditionalOnBean(ShardlineCacheManager.class)
    @ConditionalOnMissingBean(name = "shardlineCacheHealthIndicator")
    public CacheHealth shardlineCacheHealthIndicator(ShardlineCacheManager caches) {
        return new CacheHealth(caches);
    }
}
