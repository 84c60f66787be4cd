package dev.shardline.spring.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.CacheAside;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.ShardlineCacheException;
import dev.shardline.routing.Tenants;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.cache.Cache;
import org.springframework.cache.support.SimpleValueWrapper;

/**
 * A Spring {@link Cache} on cache-aside. Keys are {@code (cache name, context tenant, key)}, the
 * same {@code CacheKey} the CDC pipeline invalidates when the cache name is a namespace of
 * {@code cdc.invalidate}; {@code @Cacheable(sync = true)} loads through cache-aside's lock, so many
 * callers missing at once run the method once. Without {@code sync}, Spring first asks
 * {@link #get(Object)}, which looks without loading, then {@link #put}s what the method returned.
 */
public final class ShardlineSpringCache implements Cache {
    /** The tenant of keys used outside any tenant context (broadcast data). */
    public static final String NO_TENANT = "_";

    private final String name;
    private final CacheAside cache;
    private final ObjectMapper json;
    private final List<String> trustedPackages;

    public ShardlineSpringCache(String name, CacheAside cache, ObjectMapper json, List<String> trustedPackages) {
        this.name = name;
        this.cache = cache;
        this.json = json;
        this.trustedPackages = List.copyOf(trustedPackages);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Object getNativeCache() {
        return cache;
    }

    /** Returns the cache-aside key for {@code key} in the current tenant context. */
    public CacheKey keyOf(Object key) {
        Object tenant = Tenants.current();
        return CacheKey.of(name, tenant == null ? NO_TENANT : tenant, key);
    }

    @Override
    public ValueWrapper get(Object key) {
        try {
            CachedValue v = cache.get(keyOf(key), CachedValue.class, () -> {
                throw new NotCached();
            });
            return v == null ? new SimpleValueWrapper(null) : new SimpleValueWrapper(decode(v));
        } catch (NotCached e) {
            return null;
        } catch (ShardlineCacheException e) {
            if (e.getCause() instanceof NotCached) return null;
            throw e;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Object key, Class<T> type) {
        ValueWrapper w = get(key);
        return w == null ? null : (T) w.get();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Object key, Callable<T> valueLoader) {
        CachedValue v = cache.get(keyOf(key), CachedValue.class, () -> encode(valueLoader.call()));
        return v == null ? null : (T) decode(v);
    }

    @Override
    public void put(Object key, Object value) {
        cache.put(keyOf(key), encode(value));
    }

    @Override
    public void evict(Object key) {
        cache.invalidate(keyOf(key));
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException("cache '" + name + "' - cache-aside cannot drop a whole namespace; "
                + "evict keys one by one (@CacheEvict with a key) or let CDC invalidation remove them");
    }

    private CachedValue encode(Object value) {
        return value == null ? null : new CachedValue(value.getClass().getName(), json.valueToTree(value));
    }

    private Object decode(CachedValue v) {
        if (trustedPackages.stream()
                .noneMatch(p -> v.type().startsWith(p + ".") || v.type().startsWith(p + "$"))) {
            throw new IllegalStateException("cache '" + name + "' - refusing to read a cached " + v.type()
                    + ": its package is not trusted; add it to spring.shardline.cache.trusted-packages");
        }
        try {
            Class<?> type =
                    Class.forName(v.type(), false, Thread.currentThread().getContextClassLoader());
            return json.treeToValue(v.value(), type);
        } catch (ClassNotFoundException | JsonProcessingException e) {
            throw new IllegalStateException(
                    "cache '" + name + "' - cannot read a cached " + v.type() + ": " + e.getMessage()
                            + "; evict the key or clear the cache after changing cached types",
                    e);
        }
    }

    /** Thrown by the look-only loader of {@link #get(Object)}: the key is not cached. */
    private static final class NotCached extends RuntimeException {
        NotCached() {
            super("not cached", null, false, false);
        }
    }
}
