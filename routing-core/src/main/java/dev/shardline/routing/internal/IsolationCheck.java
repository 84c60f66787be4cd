package dev.shardline.routing.internal;

import dev.shardline.config.TableRules;
import dev.shardline.routing.internal.PgLexer.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The isolation rule, proven on PostgreSQL's own plan: a statement may run on a shard only if every
 * scan of a sharded table (views, subqueries, CTEs, set operations, LATERAL and rules expanded by the
 * server) applies an AND-level equality of that scan's tenant column with a tenant value, every
 * tenant value the statement writes is such a value, and it calls no function that could read
 * tables behind the plan's back. The tenant values found are the statement's keys; at execution
 * they must all be one tenant.
 */
final class IsolationCheck {
    /**
     * The verdict on one statement.
     *
     * @param keys where each tenant value comes from; empty when no sharded table is touched
     * @param violation why the statement cannot be proven single-tenant, or null
     * @param shardedTables sharded tables the plan touches
     * @param broadcastWrites broadcast tables the plan writes
     * @param write whether the plan modifies or locks rows
     */
    record Verdict(
            List<KeyRef> keys,
            String violation,
            Set<String> shardedTables,
            Set<String> broadcastWrites,
            boolean write) {}

    private final TableRules rules;
    private final FunctionPolicy functions;

    IsolationCheck(TableRules rules, FunctionPolicy functions) {
        this.rules = rules;
        this.functions = functions;
    }

    /** Returns the functions the statement text calls that are not allowed (checked before asking the server). */
    Set<String> disallowedCalls(SqlText text, ShardCatalog catalog) {
        return functions.disallowedCalls(text.tokens, catalog);
    }

    /** The message for statements calling {@code calls}. */
    static String callsViolation(Set<String> calls) {
        return "it calls " + calls + ", whose body Shardline cannot see (it may read any tenant's rows); only built-in "
                + "functions are allowed unless listed in routing.trustedFunctions";
    }

    Verdict check(SqlText text, PlanFacts plan, ShardCatalog catalog) {
        List<KeyRef> keys = new ArrayList<>();
        Set<String> sharded = new LinkedHashSet<>();
        Set<String> broadcastWrites = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        boolean write = plan.locksRows() || !plan.modifies().isEmpty();

        Set<String> calls = functions.disallowedCalls(text.tokens, catalog);
        for (String e : plan.expressions()) calls.addAll(functions.disallowedCalls(Exprs.lexPlan(e), catalog));
        if (!calls.isEmpty()) problems.add(callsViolation(calls));
        for (String type : plan.nodeTypes()) {
            if (type.equals("Foreign Scan") || type.equals("Custom Scan"))
                problems.add("its plan has a " + type + " Shardline cannot inspect");
        }

        // alias -> tenant column of a scan pinned to a tenant (for INSERT ... SELECT outputs and join parameters)
        Map<String, String> pinned = new HashMap<>();
        List<PlanFacts.Scan> open = new ArrayList<>();
        for (PlanFacts.Scan s : plan.scans()) {
            String table = catalog.shardedTableOf(s.relation());
            if (table == null) continue;
            sharded.add(table);
            KeyRef k = pinnedBy(s, rules.tenantColumnOf(table), null);
            if (k == null) {
                open.add(s);
            } else {
                keys.add(k);
                pinned.put(s.alias(), rules.tenantColumnOf(table));
            }
        }
        // A scan run once per outer row (nested loop, LATERAL) may be pinned by equality with a pinned scan's tenant
        // column.
        for (boolean progress = true; progress && !open.isEmpty(); ) {
            progress = false;
            for (java.util.Iterator<PlanFacts.Scan> it = open.iterator(); it.hasNext(); ) {
                PlanFacts.Scan s = it.next();
                String col = rules.tenantColumnOf(catalog.shardedTableOf(s.relation()));
                if (pinnedBy(s, col, pinned) != null) {
                    pinned.put(s.alias(), col);
                    it.remove();
                    progress = true;
                }
            }
        }
        for (PlanFacts.Scan s : open) {
            String table = catalog.shardedTableOf(s.relation());
            String col = rules.tenantColumnOf(table);
            problems.add("its reference to " + table + (s.alias().equals(s.relation()) ? "" : " (as " + s.alias() + ")")
                    + " is not restricted to one tenant: add " + s.alias() + "." + col
                    + " = ? to that reference's own conditions"
                    + " (a tenant key on another table does not cover it)");
        }

        int valuesInserts = 0;
        for (PlanFacts.Modify m : plan.modifies()) {
            String table = catalog.shardedTableOf(m.relation());
            if (table == null) {
                if (m.relation() != null && rules.isBroadcast(m.relation())) broadcastWrites.add(m.relation());
                continue;
            }
            sharded.add(table);
            switch (m.operation()) {
                case "Insert" -> valuesInserts += checkInsert(text, m, table, catalog, pinned, keys, problems);
                case "Update", "Delete" -> {
                    // Inheritance and partitions give the target's scans their own aliases; every scan was checked
                    // above.
                    if (plan.scans().stream().noneMatch(s -> table.equals(catalog.shardedTableOf(s.relation())))) {
                        problems.add("its " + m.operation().toUpperCase() + " of " + table
                                + " reads no tenant-restricted rows of it");
                    }
                }
                default ->
                    problems.add(m.operation().toUpperCase()
                            + " on a sharded table is not supported; write it as INSERT ... ON CONFLICT, "
                            + "UPDATE or DELETE with the tenant key");
            }
        }
        if (valuesInserts > 1)
            problems.add("it has several multi-row INSERTs whose written tenants Shardline cannot tell apart");

        for (SqlText.Assignment a : text.tenantAssignments(rules)) {
            KeyRef k = a.tuple() ? null : Exprs.source(a.value());
            String col = rules.tenantColumnOf(a.table());
            boolean same = !a.tuple() && isColumn(a.value(), col);
            if (k != null) {
                keys.add(k);
            } else if (!same) {
                problems.add("it sets " + a.table() + "." + col
                        + " to a value Shardline cannot check; moving a row to another tenant "
                        + "is a tenant move, not an UPDATE");
            }
        }
        if (!sharded.isEmpty() && !broadcastWrites.isEmpty()) {
            problems.add("it writes broadcast table(s) " + broadcastWrites
                    + " (every shard) and reads sharded tables (one shard)");
        }
        if (!sharded.isEmpty() && keys.isEmpty() && problems.isEmpty()) {
            problems.add("it touches sharded table(s) " + sharded + " without any tenant condition");
        }
        String violation = problems.isEmpty() ? null : String.join("; ", new LinkedHashSet<>(problems));
        return new Verdict(List.copyOf(keys), violation, Set.copyOf(sharded), Set.copyOf(broadcastWrites), write);
    }

    /**
     * Returns the tenant source an AND-level condition of {@code s} pins {@code col} to; with
     * {@code pinned}, a {@code col = alias.tenant_col} equality with an already pinned scan counts
     * (returned as a context-free marker, since that scan's key covers it).
     */
    private static KeyRef pinnedBy(PlanFacts.Scan s, String col, Map<String, String> pinned) {
        for (String q : s.quals()) {
            for (List<Token> c : Exprs.conjuncts(Exprs.lexPlan(q))) {
                KeyRef k = Exprs.equality(c, s.alias(), s.relation(), col);
                if (k != null && pinned == null) return k;
                if (pinned != null && Exprs.joinsPinned(c, s.alias(), s.relation(), col, pinned))
                    return KeyRef.literal("");
            }
        }
        return null;
    }

    /** Checks the tenant column an INSERT writes; returns 1 when it came from a multi-row VALUES list. */
    private int checkInsert(
            SqlText text,
            PlanFacts.Modify m,
            String table,
            ShardCatalog catalog,
            Map<String, String> pinned,
            List<KeyRef> keys,
            List<String> problems) {
        ShardCatalog.Table t = catalog.table(table);
        int pos = t == null ? -1 : t.tenantIndex();
        if (pos < 0 || pos >= m.written().size()) {
            problems.add("Shardline cannot find the tenant column " + rules.tenantColumnOf(table)
                    + " in what it writes to " + table);
            return 0;
        }
        List<Token> expr = Exprs.lexPlan(m.written().get(pos));
        KeyRef k = Exprs.source(expr);
        if (k != null) {
            keys.add(k);
        } else if (expr.size() == 1 && expr.get(0).is("null")
                || Exprs.uncast(expr).size() == 1 && Exprs.uncast(expr).get(0).is("null")) {
            problems.add(
                    "it inserts rows into " + table + " without a value for its tenant column " + t.tenantColumn());
        } else {
            Exprs.Column c = Exprs.column(expr);
            if (c != null && "*VALUES*".equals(c.qualifier()) && c.column().startsWith("column")) {
                checkValues(text, Integer.parseInt(c.column().substring(6)) - 1, table, keys, problems);
                return 1;
            }
            if (c != null && c.qualifier() != null && c.column().equals(pinned.get(c.qualifier()))) return 0;
            problems.add(
                    "it inserts into " + table + " a tenant value computed as "
                            + m.written().get(pos)
                            + ", which Shardline cannot check; write the tenant as a parameter or literal, or select it from a tenant-restricted table");
        }
        if (m.conflictUpdate()) {
            for (String idx : m.arbiters()) {
                if (t.unsafeArbiters().contains(idx)) {
                    problems.add("its ON CONFLICT DO UPDATE uses unique index " + idx + ", which does not include "
                            + t.tenantColumn() + ", so the conflicting row may belong to another tenant; add "
                            + t.tenantColumn() + " to the conflict target");
                }
            }
        }
        return 0;
    }

    private static void checkValues(SqlText text, int column, String table, List<KeyRef> keys, List<String> problems) {
        List<List<List<Token>>> rows = text.valuesRows();
        if (rows == null) {
            problems.add("it inserts into " + table + " from a VALUES list Shardline cannot read");
            return;
        }
        for (List<List<Token>> row : rows) {
            KeyRef k = column < row.size() ? Exprs.source(row.get(column)) : null;
            if (k == null) {
                problems.add("a VALUES row writes " + table
                        + "'s tenant as an expression; write it as a parameter or literal");
                return;
            }
            keys.add(k);
        }
    }

    private static boolean isColumn(List<Token> value, String col) {
        Exprs.Column c = Exprs.column(value);
        return c != null
                && c.column().equals(col)
                && (c.qualifier() == null || c.qualifier().equals("excluded"));
    }
}
