package dev.shardline.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.CacheConfig;
import dev.shardline.cache.RedisConnections;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.config.ShardlineYaml;
import dev.shardline.spring.internal.OnRedisCacheSection;
import dev.shardline.spring.internal.RedisCacheAsideFactory;
import dev.shardline.spring.internal.ShardlineCacheManager;
import dev.shardline.spring.spi.CacheAsideFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.redisson.api.RedissonClient;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * The Spring Cache abstraction on cache-aside ({@code @Cacheable}, {@code @CacheEvict}), when
 * {@code shardline.yaml} has a {@code cache.redis} section: stampede protection for
 * {@code @Cacheable(sync = true)}, tenant-scoped keys, and CDC invalidation for cache names that
 * are {@code cdc.invalidate} namespaces. Caching itself is switched on by {@code @EnableCaching}.
 */
@AutoConfiguration(after = ShardlineAutoConfiguration.class, before = CacheAutoConfiguration.class)
@ConditionalOnClass({CacheManager.class, RedissonClient.class})
@ConditionalOnProperty(prefix = "spring.shardline", name = "config")
@Conditional(OnRedisCacheSection.class)
@EnableConfigurationProperties(ShardlineProperties.class)
public class ShardlineCacheAutoConfiguration {

    /** The Redis client of {@code cache.redis}; absent (and no caches) when the file has none. */
    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "spring.shardline.cache", name = "enabled", matchIfMissing = true)
    public RedissonClient shardlineRedisson(ShardlineProperties props) {
        ShardlineYaml yaml = ShardlineYaml.load(props.config());
        Path base = props.config().toAbsolutePath().getParent();
        return RedisConnections.fromConfig(yaml.section("cache").get("redis"), base);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "spring.shardline.cache", name = "enabled", matchIfMissing = true)
    public CacheAsideFactory shardlineCacheAsideFactory(
            ShardlineProperties props,
            RedissonClient redis,
            ObjectProvider<ObjectMapper> json,
            ObjectProvider<MeterRegistry> registry) {
        CacheConfig config =
                CacheConfig.from(ShardlineConfig.fromYaml(props.config()).section("cache"));
        return new RedisCacheAsideFactory(
                redis,
                config,
                json.getIfAvailable(ObjectMapper::new),
                registry.getIfAvailable(() -> Metrics.globalRegistry));
    }

    @Bean
    @ConditionalOnMissingBean(CacheManager.class)
    @ConditionalOnProperty(prefix = "spring.shardline.cache", name = "enabled", matchIfMissing = true)
    public ShardlineCacheManager cacheManager(
            CacheAsideFactory factory,
            ObjectProvider<ObjectMapper> json,
            ShardlineProperties props,
            BeanFactory beans) {
        List<String> trusted = new ArrayList<>(List.of("java.lang", "java.util", "java.time", "java.math"));
        if (AutoConfigurationPackages.has(beans)) trusted.addAll(AutoConfigurationPackages.get(beans));
        trusted.addAll(props.cache().trustedPackages());
        return new ShardlineCacheManager(factory, json.getIfAvailable(ObjectMapper::new), trusted);
    }
}
