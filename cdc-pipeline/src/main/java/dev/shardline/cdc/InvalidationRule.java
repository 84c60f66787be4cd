package dev.shardline.cdc;

import java.util.Objects;

/**
 * Maps a changed row of {@code table} to the cache key to invalidate:
 * {@code CacheKey(namespace, row[tenantColumn], row[idColumn])}.
 */
public record InvalidationRule(String table, String namespace, String tenantColumn, String idColumn) {
    public InvalidationRule {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(tenantColumn, "tenantColumn");
        Objects.requireNonNull(idColumn, "idColumn");
    }
}
