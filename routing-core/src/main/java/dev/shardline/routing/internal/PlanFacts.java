package dev.shardline.routing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What PostgreSQL's own plan of a statement says it touches: every relation scanned (views and
 * rules already expanded) with the conditions applied at that scan, every table modified, the
 * rows an INSERT writes, and every expression evaluated — read from {@code EXPLAIN (VERBOSE,
 * FORMAT JSON)} of the generic plan, so nothing the server would run is missed.
 */
record PlanFacts(
        List<Scan> scans, List<Modify> modifies, List<String> expressions, List<String> nodeTypes, boolean locksRows) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> QUAL_KEYS = List.of("Filter", "Index Cond", "Recheck Cond", "TID Cond");
    private static final List<String> EXPR_KEYS = List.of(
            "Output",
            "Filter",
            "Index Cond",
            "Recheck Cond",
            "TID Cond",
            "Join Filter",
            "Hash Cond",
            "Merge Cond",
            "One-Time Filter",
            "Sort Key",
            "Group Key",
            "Function Call",
            "Table Function Call",
            "Conflict Filter",
            "Order By",
            "Presorted Key",
            "Cache Key",
            "Run Condition");

    /** A scan of one relation and the AND-ed conditions applied to it there. */
    record Scan(String nodeType, String relation, String alias, List<String> quals) {}

    /**
     * One INSERT/UPDATE/DELETE/MERGE node.
     *
     * @param written for an INSERT, the expressions of the rows written in table column order (the child's output)
     * @param arbiters ON CONFLICT arbiter index names
     * @param conflictUpdate whether ON CONFLICT DO UPDATE
     */
    record Modify(
            String operation,
            String relation,
            String alias,
            List<String> written,
            List<String> arbiters,
            boolean conflictUpdate) {}

    /** Parses the JSON text of EXPLAIN (VERBOSE, FORMAT JSON); a rule may make it hold several plans. */
    static PlanFacts parse(String json) {
        try {
            JsonNode root = JSON.readTree(json);
            List<Scan> scans = new ArrayList<>();
            List<Modify> modifies = new ArrayList<>();
            List<String> exprs = new ArrayList<>();
            List<String> types = new ArrayList<>();
            boolean[] locks = new boolean[1];
            for (JsonNode top : root) walk(top.get("Plan"), scans, modifies, exprs, types, locks);
            return new PlanFacts(
                    List.copyOf(scans), List.copyOf(modifies), List.copyOf(exprs), List.copyOf(types), locks[0]);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable EXPLAIN output: " + e.getMessage(), e);
        }
    }

    private static void walk(
            JsonNode root,
            List<Scan> scans,
            List<Modify> modifies,
            List<String> exprs,
            List<String> types,
            boolean[] locks) {
        // Explicit stack: plans can be deep (long IN lists, many joins) and must not overflow ours.
        java.util.ArrayDeque<JsonNode> stack = new java.util.ArrayDeque<>();
        if (root != null) stack.push(root);
        while (!stack.isEmpty()) {
            JsonNode n = stack.pop();
            String type = n.path("Node Type").asText();
            types.add(type);
            if ("LockRows".equals(type)) locks[0] = true;
            for (String k : EXPR_KEYS) collect(n.get(k), exprs);
            String rel = n.hasNonNull("Relation Name") ? n.get("Relation Name").asText() : null;
            if ("ModifyTable".equals(type)) {
                List<String> written = new ArrayList<>();
                JsonNode children = n.get("Plans");
                // The rows written come from the outer child; InitPlans and SubPlans are listed beside it.
                if (children != null) {
                    for (JsonNode c : children) {
                        if ("Outer".equals(c.path("Parent Relationship").asText())) collect(c.get("Output"), written);
                    }
                }
                List<String> arbiters = new ArrayList<>();
                collect(n.get("Conflict Arbiter Indexes"), arbiters);
                modifies.add(new Modify(
                        n.path("Operation").asText(),
                        rel,
                        n.path("Alias").asText(rel),
                        written,
                        arbiters,
                        "UPDATE".equals(n.path("Conflict Resolution").asText())));
            } else if (rel != null) {
                List<String> quals = new ArrayList<>();
                for (String k : QUAL_KEYS) collect(n.get(k), quals);
                scans.add(new Scan(type, rel, n.path("Alias").asText(rel), quals));
            }
            JsonNode children = n.get("Plans");
            if (children != null) {
                for (JsonNode c : children) {
                    // A bitmap heap scan's conditions live in its index scans below; attribute them to the heap scan.
                    if ("Bitmap Heap Scan".equals(type)
                            && c.path("Node Type").asText().startsWith("Bitmap")) continue;
                    stack.push(c);
                }
            }
        }
    }

    private static void collect(JsonNode v, List<String> into) {
        if (v == null || v.isNull()) return;
        if (v.isArray()) {
            for (Iterator<JsonNode> it = v.elements(); it.hasNext(); )
                into.add(it.next().asText());
        } else if (v.isTextual()) {
            into.add(v.asText());
        } else if (v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); )
                collect(it.next().getValue(), into);
        }
    }
}
