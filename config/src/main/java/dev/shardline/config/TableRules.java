package dev.shardline.config;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which tables are sharded by tenant (and by which column) and which are broadcast (a full copy on
 * every shard). Names are compared case-insensitively, as unquoted PostgreSQL identifiers are.
 */
public record TableRules(Map<String, String> tenantColumns, Set<String> broadcastTables) {
    public TableRules {
        Map<String, String> cols = new TreeMap<>();
        tenantColumns.forEach((t, c) -> cols.put(norm(t), norm(c)));
        Set<String> broadcast = new TreeSet<>();
        for (String t : broadcastTables) {
            String n = norm(t);
            if (cols.containsKey(n)) {
                throw new ShardlineConfigException("table '" + t + "' cannot be both sharded and broadcast");
            }
            broadcast.add(n);
        }
        tenantColumns = Map.copyOf(cols);
        broadcastTables = Set.copyOf(broadcast);
    }

    public static TableRules none() {
        return new TableRules(Map.of(), Set.of());
    }

    /** Returns the tenant column of a sharded table, or {@code null} if the table is not sharded. */
    public String tenantColumnOf(String table) {
        return tenantColumns.get(norm(table));
    }

    public boolean isSharded(String table) {
        return tenantColumns.containsKey(norm(table));
    }

    public boolean isBroadcast(String table) {
        return broadcastTables.contains(norm(table));
    }

    static String norm(String identifier) {
        String s = identifier.trim();
        if (s.length() > 1 && s.startsWith("\"") && s.endsWith("\"")) return s.substring(1, s.length() - 1);
        int dot = s.lastIndexOf('.');
        if (dot >= 0) s = s.substring(dot + 1);
        return s.toLowerCase(Locale.ROOT);
    }
}
