package dev.shardline.cache;

import java.util.Objects;

/**
 * The identity of one cached value: a namespace (what kind of value), the tenant it belongs to and
 * the id within that tenant. The tenant is always part of the key, so the same id under two
 * tenants can never share an entry. The only place the Redis key format is defined is the
 * cache-aside implementation that renders this record.
 */
public record CacheKey(String namespace, String tenant, String id) {
    public CacheKey {
        requirePart(namespace, "namespace");
        requirePart(tenant, "tenant");
        requirePart(id, "id");
    }

    /** Returns the key for {@code id} of {@code tenant} in {@code namespace}; numbers are rendered in decimal. */
    public static CacheKey of(String namespace, Object tenant, Object id) {
        Objects.requireNonNull(tenant, "cache key tenant must not be null (namespace '" + namespace + "')");
        Objects.requireNonNull(id, "cache key id must not be null (namespace '" + namespace + "')");
        return new CacheKey(namespace, tenant.toString(), id.toString());
    }

    private static void requirePart(String value, String part) {
        if (value == null) throw new NullPointerException("cache key " + part + " must not be null");
        if (value.isEmpty()) throw new IllegalArgumentException("cache key " + part + " must not be empty");
    }
}
