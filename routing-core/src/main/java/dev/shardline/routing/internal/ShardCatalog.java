package dev.shardline.routing.internal;

import dev.shardline.config.TableRules;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the isolation check must know of the shards' schema, read once from one shard's catalog
 * (every shard has the same schema) and dropped after DDL: each sharded table's columns in order
 * and its tenant column's type, the relations that inherit from it (partitions count as the table),
 * the unique indexes that do not include the tenant column (unsafe as ON CONFLICT arbiters), and the
 * built-in functions that cannot reach table data or session state behind the analysis' back.
 */
final class ShardCatalog {
    /** One sharded table as the catalog describes it. */
    record Table(
            String name,
            String tenantColumn,
            List<String> columns,
            String tenantType,
            boolean exactEquality,
            Set<String> unsafeArbiters) {
        int tenantIndex() {
            return columns.indexOf(tenantColumn);
        }

        /** How tenant values read into the tenant column; {@link TenantType#INEXACT} when its equality is not exact. */
        TenantType family() {
            return exactEquality ? TenantType.ofSqlType(tenantType) : TenantType.INEXACT;
        }
    }

    private final Map<String, Table> tables = new HashMap<>();
    /** Relation name (any schema, partitions and children included) → the sharded table it belongs to. */
    private final Map<String, String> shardedRelations = new HashMap<>();

    private final Set<String> safeFunctions = new HashSet<>();
    /** The type families of every sharded table's tenant column (derived once per catalog version). */
    private Set<TenantType> tenantTypes = Set.of();

    private ShardCatalog() {}

    /** Reads the catalog through {@code c}. */
    static ShardCatalog load(Connection c, TableRules rules) throws SQLException {
        ShardCatalog cat = new ShardCatalog();
        for (Map.Entry<String, String> e : rules.tenantColumns().entrySet()) {
            String table = e.getKey();
            cat.shardedRelations.put(table, table);
            List<String> cols = new ArrayList<>();
            String type = null;
            boolean exact = true;
            try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
                    // citext and nondeterministic (e.g. case-insensitive ICU) collations make distinct ids equal.
                    + "t.typname <> 'citext' AND COALESCE((SELECT l.collisdeterministic FROM pg_collation l WHERE l.oid = a.attcollation), true) "
                    + "FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid "
                    + "WHERE r.relname = ? AND r.relkind IN ('r', 'p') AND r.relnamespace = ANY (current_schemas(false)::regnamespace[]) "
                    + "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        cols.add(rs.getString(1));
                        if (rs.getString(1).equals(e.getValue())) {
                            type = rs.getString(2);
                            exact = rs.getBoolean(3);
                        }
                    }
                }
            }
            Set<String> unsafe = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class r ON r.oid = x.indrelid "
                            + "WHERE r.relname = ? AND x.indisunique AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = r.oid "
                            + "AND a.attname = ? AND a.attnum = ANY (x.indkey))")) {
                ps.setString(1, table);
                ps.setString(2, e.getValue());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) unsafe.add(rs.getString(1));
                }
            }
            try (PreparedStatement ps =
                    c.prepareStatement("WITH RECURSIVE d(oid) AS (SELECT oid FROM pg_class WHERE relname = ? UNION "
                            + "SELECT i.inhrelid FROM pg_inherits i JOIN d ON i.inhparent = d.oid) "
                            + "SELECT DISTINCT c.relname FROM d JOIN pg_class c ON c.oid = d.oid")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) cat.shardedRelations.putIfAbsent(rs.getString(1), table);
                }
            }
            cat.tables.put(
                    table,
                    new Table(
                            table,
                            e.getValue(),
                            List.copyOf(cols),
                            type == null ? "text" : type,
                            exact,
                            Set.copyOf(unsafe)));
        }
        Set<TenantType> families = java.util.EnumSet.noneOf(TenantType.class);
        for (Table t : cat.tables.values()) families.add(t.family());
        cat.tenantTypes = java.util.Collections.unmodifiableSet(families);
        // Built-ins only, and only names no other schema redefines (an overload elsewhere could be picked instead).
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT DISTINCT p.proname FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace AND NOT EXISTS ("
                                + "SELECT 1 FROM pg_proc o WHERE o.proname = p.proname AND o.pronamespace NOT IN "
                                + "('pg_catalog'::regnamespace, 'information_schema'::regnamespace))")) {
            while (rs.next()) {
                String name = rs.getString(1);
                if (!FunctionPolicy.denied(name)) cat.safeFunctions.add(name);
            }
        }
        return cat;
    }

    /** Returns the sharded table {@code relation} belongs to (itself, or the parent of a partition), or null. */
    String shardedTableOf(String relation) {
        return relation == null ? null : shardedRelations.get(relation);
    }

    /** The type families of the tenant columns of every sharded table that exists. */
    Set<TenantType> tenantTypes() {
        return tenantTypes;
    }

    Table table(String name) {
        return tables.get(name);
    }

    boolean isSafeFunction(String name) {
        return safeFunctions.contains(name.toLowerCase(Locale.ROOT));
    }
}
