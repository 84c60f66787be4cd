package dev.shardline.app;

import dev.shardline.cache.CacheAside;
import dev.shardline.cache.CacheKey;
import java.util.Optional;

/** Reads orders through cache-aside; a missing order is cached briefly too (negative TTL). */
public final class CachedOrderReader implements OrderReader {
    public static final String NAMESPACE = "order";

    private final CacheAside cache;
    private final OrderStore store;

    public CachedOrderReader(CacheAside cache, OrderStore store) {
        this.cache = cache;
        this.store = store;
    }

    public static CacheKey key(String tenant, long id) {
        return CacheKey.of(NAMESPACE, tenant, id);
    }

    @Override
    public Optional<Order> find(String tenant, long id) {
        return Optional.ofNullable(cache.get(
                key(tenant, id), Order.class, () -> store.find(tenant, id).orElse(null)));
    }
}
