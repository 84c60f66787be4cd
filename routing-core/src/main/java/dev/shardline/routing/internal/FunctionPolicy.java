package dev.shardline.routing.internal;

import dev.shardline.routing.internal.PgLexer.Token;
import dev.shardline.routing.internal.PgLexer.Type;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which function calls a statement may make. A function body is invisible to the plan (it runs its
 * own queries), so only built-ins that cannot read table data by name or leave state on the
 * session are allowed, plus functions the operator declared tenant-safe
 * ({@code routing.trustedFunctions}).
 */
final class FunctionPolicy {
    /** Built-ins that run SQL given as text, touch server files, large objects, other sessions or session state. */
    private static final Set<String> DENIED = Set.of(
            "query_to_xml",
            "query_to_xmlschema",
            "query_to_xml_and_xmlschema",
            "cursor_to_xml",
            "cursor_to_xmlschema",
            "table_to_xml",
            "table_to_xmlschema",
            "table_to_xml_and_xmlschema",
            "schema_to_xml",
            "schema_to_xmlschema",
            "schema_to_xml_and_xmlschema",
            "database_to_xml",
            "database_to_xmlschema",
            "database_to_xml_and_xmlschema",
            "ts_stat",
            "set_config",
            "pg_notify",
            "loread",
            "lowrite",
            "pg_stat_file",
            "pg_sleep_until",
            "pg_import_system_collations",
            "pg_export_snapshot",
            "pg_log_backend_memory_contexts",
            "pg_current_logfile",
            "pg_logdir_ls");

    private static final List<String> DENIED_PREFIXES = List.of(
            "lo_",
            "pg_advisory_lock",
            "pg_advisory_unlock",
            "pg_try_advisory_lock",
            "pg_read_",
            "pg_ls_",
            "pg_create_",
            "pg_drop_",
            "pg_replication_",
            "pg_logical_",
            "pg_terminate",
            "pg_cancel",
            "pg_reload",
            "pg_rotate",
            "pg_switch",
            "pg_promote",
            "pg_file_",
            "pg_backup_",
            "pg_start_backup",
            "pg_stop_backup",
            "pg_wal_replay",
            "dblink");
    /** SQL syntax that looks like a call but is not a pg_proc function. */
    private static final Set<String> SYNTAX = Set.copyOf(List.of(
            "coalesce",
            "nullif",
            "greatest",
            "least",
            "cast",
            "trim",
            "extract",
            "position",
            "substring",
            "overlay",
            "treat",
            "xmlelement",
            "xmlforest",
            "xmlconcat",
            "xmlparse",
            "xmlpi",
            "xmlroot",
            "xmlserialize",
            "xmlexists",
            "xmlattributes",
            "grouping",
            "row",
            "array",
            "exists",
            "any",
            "all",
            "some",
            "in",
            "values",
            "varying",
            "precision",
            "collation",
            "normalize",
            "nationalize",
            "filter",
            "over",
            "within",
            "group",
            "by",
            "using",
            "on",
            "and",
            "or",
            "not",
            "where",
            "select",
            "from",
            "join",
            "lateral",
            "as",
            "set",
            "into",
            "returning",
            "when",
            "then",
            "else",
            "case",
            "is",
            "like",
            "ilike",
            "similar",
            "between",
            "having",
            "limit",
            "offset",
            "distinct",
            "union",
            "intersect",
            "except",
            "order",
            "partition",
            "range",
            "rows",
            "groups",
            "cube",
            "rollup",
            "sets",
            "tablesample",
            "repeatable",
            "materialized",
            "recursive",
            "do",
            "update",
            "conflict",
            "key",
            "interval",
            "for",
            "only",
            "with",
            "insert",
            "delete",
            "default",
            "end",
            "escape",
            "uescape",
            "at",
            "zone",
            "then",
            "to",
            "of",
            "nulls",
            "first",
            "last",
            "asc",
            "desc",
            "fetch",
            "both",
            "leading",
            "trailing",
            "preceding",
            "following",
            "current",
            "unbounded",
            "exclude",
            "ties",
            "others",
            "subplan",
            "hashed",
            "initplan",
            "name",
            "content",
            "document",
            "standalone",
            "version",
            "no",
            "value",
            "yes",
            "varchar",
            "char",
            "character",
            "numeric",
            "decimal",
            "timestamp",
            "time",
            "bit",
            "float",
            "table",
            "matched",
            "primary",
            "references",
            "unique",
            "check",
            "constraint",
            "add",
            "column",
            "alter",
            "create",
            "index"));

    private final Set<String> trusted;

    FunctionPolicy(Set<String> trusted) {
        this.trusted = Set.copyOf(trusted);
    }

    static boolean denied(String name) {
        if (DENIED.contains(name) || name.endsWith("_to_xml") || name.endsWith("_to_xmlschema")) return true;
        for (String p : DENIED_PREFIXES) if (name.startsWith(p)) return true;
        return false;
    }

    /**
     * Returns the names of functions {@code tokens} call that are not allowed: a word followed by
     * {@code (} that is not syntax, a type modifier, a column list or a CTE/alias definition.
     */
    Set<String> disallowedCalls(List<Token> tokens, ShardCatalog catalog) {
        Set<String> bad = new LinkedHashSet<>();
        for (int k = 0; k + 1 < tokens.size(); k++) {
            Token t = tokens.get(k);
            if (!t.isWord() || !tokens.get(k + 1).isPunct('(')) continue;
            Token prev = k > 0 ? tokens.get(k - 1) : null;
            String schema = null;
            if (prev != null && prev.isPunct('.') && k >= 2 && tokens.get(k - 2).isWord()) {
                schema = tokens.get(k - 2).text();
                prev = k >= 3 ? tokens.get(k - 3) : null;
            }
            if (prev != null
                    && (prev.is("into")
                            || prev.is("as")
                            || prev.is("table")
                            || prev.isPunct(':')
                            || "::".equals(prev.text())
                            || prev.is("references")
                            || prev.is("conflict")
                            || prev.is("key")
                            || prev.is("on") && schema == null && isCteOrAlias(tokens, k))) {
                continue;
            }
            if (isCteOrAlias(tokens, k)) continue;
            String name = t.text();
            if (t.type() == Type.IDENT && schema == null && SYNTAX.contains(name)) continue;
            if (trusted.contains(schema == null ? name : schema + "." + name)
                    || trusted.contains(name) && schema == null) continue;
            // information_schema's _pg_* helpers only compute type facts (ORMs read information_schema views at
            // start-up).
            boolean builtin = (schema == null || schema.equals("pg_catalog")) && catalog.isSafeFunction(name)
                    || "information_schema".equals(schema) && name.startsWith("_pg_");
            if (!builtin) bad.add(schema == null ? name : schema + "." + name);
        }
        return bad;
    }

    /** {@code name(a, b) AS (} or {@code name(a, b) AS MATERIALIZED}: a CTE with a column list, not a call. */
    private static boolean isCteOrAlias(List<Token> tokens, int k) {
        int d = tokens.get(k + 1).depth();
        int j = k + 2;
        while (j < tokens.size()
                && !(tokens.get(j).isPunct(')') && tokens.get(j).depth() == d)) j++;
        if (j + 2 >= tokens.size() || !tokens.get(j + 1).is("as")) return false;
        Token after = tokens.get(j + 2);
        return after.isPunct('(') || after.is("materialized") || after.is("not");
    }
}
