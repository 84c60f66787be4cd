package dev.shardline.cdc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A captured source table as read from a shard primary's catalog.
 *
 * @param columns column name → SQL type as PostgreSQL formats it, in table order
 * @param primaryKey the primary key columns
 * @param tenantColumn the tenant column for a sharded table, {@code null} for a broadcast table
 */
public record SourceTable(String name, Map<String, String> columns, List<String> primaryKey, String tenantColumn) {
    /**
     * Returns the columns that identify a row in the analytics sinks: the tenant column, then the
     * primary key. Ids of different shards may repeat, but never within one tenant, and a tenant keeps
     * its rows' identity when it moves to another shard.
     */
    public List<String> sinkKey() {
        List<String> key = new ArrayList<>();
        if (tenantColumn != null) key.add(tenantColumn);
        for (String c : primaryKey) if (!key.contains(c)) key.add(c);
        return List.copyOf(key);
    }

    public boolean broadcast() {
        return tenantColumn == null;
    }
}
