package dev.shardline.spring.internal;

import dev.shardline.cache.CacheAside;
import dev.shardline.cache.CacheStats;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.cache.CacheManager;

/**
 * Health of the Spring caches on cache-aside: per cache its Redis circuit breaker, hit ratio and
 * Redis errors. Always UP: the cache is never the reason a call fails (reads fall back to the
 * database while Redis is away), so an open breaker is a detail to alert on, not an outage.
 */
public final class CacheHealth implements HealthIndicator {
    private final CacheManager caches;

    public CacheHealth(CacheManager caches) {
        this.caches = caches;
    }

    @Override
    public Health health() {
        Map<String, Object> perCache = new LinkedHashMap<>();
        for (String name : caches.getCacheNames().stream().sorted().toList()) {
            if (caches.getCache(name).getNativeCache() instanceof CacheAside c) {
                CacheStats s = c.stats();
                perCache.put(
                        name, Map.of("breaker", s.breaker(), "hitRatio", s.hitRatio(), "redisErrors", s.redisErrors()));
            }
        }
        return Health.up().withDetails(perCache).build();
    }
}
