package dev.shardline.spring.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.spring.spi.CacheAsideFactory;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/** Creates one {@link ShardlineSpringCache} per cache name on first use. */
public final class ShardlineCacheManager implements CacheManager {
    private final CacheAsideFactory factory;
    private final ObjectMapper json;
    private final List<String> trustedPackages;
    private final ConcurrentMap<String, ShardlineSpringCache> caches = new ConcurrentHashMap<>();

    public ShardlineCacheManager(CacheAsideFactory factory, ObjectMapper json, List<String> trustedPackages) {
        this.factory = factory;
        this.json = json;
        this.trustedPackages = List.copyOf(trustedPackages);
    }

    @Override
    public Cache getCache(String name) {
        return caches.computeIfAbsent(name, n -> new ShardlineSpringCache(n, factory.create(n), json, trustedPackages));
    }

    @Override
    public Collection<String> getCacheNames() {
        return Set.copyOf(caches.keySet());
    }
}
