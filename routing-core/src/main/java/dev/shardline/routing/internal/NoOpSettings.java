package dev.shardline.routing.internal;

import dev.shardline.routing.internal.PgLexer.Token;
import dev.shardline.routing.internal.PgLexer.Type;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Recognises SETs of pinned settings that change nothing, which migration tools send to "restore"
 * what they found: {@code SET [SESSION] ROLE r} where {@code r} is already the session and current
 * role (Flyway), and {@code SET search_path} to a list that resolves to exactly the schemas the
 * current one resolves to (Liquibase). Shardline pins both on every pooled connection, so any
 * other value stays refused; these run as a statement that keeps the pinned value.
 */
final class NoOpSettings {
    private NoOpSettings() {}

    /**
     * Returns the statement to run instead of {@code a}, or null when {@code a} is not a SET that
     * changes nothing on any shard (asked on pooled connections of every primary, in their state).
     */
    static String replacement(Analysis a, Params params, Engine engine) throws SQLException {
        SqlText t = a.text();
        if (t == null) return null;
        if (t.verb.equals("select")) return setConfig(t, params, engine);
        if (!t.verb.equals("set")) return null;
        int k = 1;
        if (t.word(k).equals("session")) k++;
        String name = t.word(k);
        if (!name.equals("role") && !name.equals("search_path")) return null;
        k++;
        if (k < t.tokens.size()
                && (t.tokens.get(k).is("to")
                        || t.tokens.get(k).type() == Type.OP
                                && t.tokens.get(k).text().equals("="))) k++;
        List<String> values = values(t, k);
        if (values == null || values.isEmpty()) return null;
        if (name.equals("role")) {
            if (values.size() != 1) return null;
            for (int i = 0; i < engine.shardCount(); i++) {
                try (Connection c = engine.shard(i).primary.acquire()) {
                    if (!isCurrentRole(c, values.get(0))) return null;
                }
            }
            // The current role already is the session role; this keeps it so.
            return "SET ROLE NONE";
        }
        for (int i = 0; i < engine.shardCount(); i++) {
            try (Connection c = engine.shard(i).primary.acquire()) {
                if (!sameSchemas(c, values)) return null;
            }
        }
        // Pooled connections hold the default search_path; this keeps it.
        return "SET search_path TO DEFAULT";
    }

    /**
     * {@code SELECT set_config('search_path', v, false|true)} (Flyway's way): a no-op when {@code v}
     * resolves as the current search_path does; the replacement reads the setting instead.
     */
    private static String setConfig(SqlText t, Params params, Engine engine) throws SQLException {
        List<Token> k = t.tokens;
        int n = k.size() > 0 && k.get(k.size() - 1).isPunct(';') ? k.size() - 1 : k.size();
        if (n != 9
                || !k.get(1).is("set_config")
                || !k.get(2).isPunct('(')
                || k.get(3).type() != Type.STRING
                || !k.get(3).text().equals("search_path")
                || !k.get(4).isPunct(',')
                || !k.get(6).isPunct(',')
                || !(k.get(7).is("false") || k.get(7).is("true"))
                || !k.get(8).isPunct(')')) {
            return null;
        }
        Token v = k.get(5);
        Object value = v.type() == Type.STRING
                ? v.text()
                : v.type() == Type.PARAM && params != null ? params.valueAt(v.param() - 1) : null;
        if (!(value instanceof String path)) return null;
        List<String> values;
        try {
            values = values(SqlText.of(path), 0);
        } catch (PgLexer.LexException e) {
            return null;
        }
        if (values == null || values.isEmpty()) return null;
        for (int i = 0; i < engine.shardCount(); i++) {
            try (Connection c = engine.shard(i).primary.acquire()) {
                if (!sameSchemas(c, values)) return null;
            }
        }
        return v.type() == Type.PARAM
                ? "SELECT current_setting('search_path', ?::text IS NULL)"
                : "SELECT current_setting('search_path')";
    }

    /** The comma-separated names or strings from token {@code k} to the end, or null if anything else is there. */
    private static List<String> values(SqlText t, int k) {
        List<String> out = new ArrayList<>();
        int end = t.tokens.size();
        if (end > k && t.tokens.get(end - 1).isPunct(';')) end--;
        for (int i = k; i < end; i++) {
            Token v = t.tokens.get(i);
            boolean name = v.type() == Type.STRING
                    || v.type() == Type.QUOTED_IDENT
                    || v.type() == Type.IDENT
                            && !v.text().equals("none")
                            && !v.text().equals("default")
                            && !v.text().equals("local");
            if ((i - k) % 2 == 0 ? !name : !v.isPunct(',')) return null;
            if (name) out.add(v.text());
        }
        return (end - k) % 2 == 1 ? out : null;
    }

    private static boolean isCurrentRole(Connection c, String role) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user, session_user")) {
            rs.next();
            return role.equals(rs.getString(1)) && role.equals(rs.getString(2));
        }
    }

    /**
     * True when every schema {@code path} names exists on {@code c} ({@code $user} aside) and it
     * resolves to the schemas the current search_path resolves to, in order.
     */
    private static boolean sameSchemas(Connection c, List<String> path) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT current_schemas(false), current_user, ARRAY(SELECT nspname::text FROM pg_namespace)")) {
            rs.next();
            List<String> now = strings(rs.getArray(1));
            String user = rs.getString(2);
            Set<String> existing = Set.copyOf(strings(rs.getArray(3)));
            Set<String> resolved = new LinkedHashSet<>();
            for (String p : path) {
                if (p.equals("$user")) {
                    if (existing.contains(user)) resolved.add(user);
                    continue;
                }
                // A schema that does not exist yet could be created later; pg_temp changes where temporary names
                // resolve.
                if (!existing.contains(p) || p.startsWith("pg_temp") || p.startsWith("pg_toast")) return false;
                resolved.add(p);
            }
            return List.copyOf(resolved).equals(now);
        }
    }

    private static List<String> strings(Array a) throws SQLException {
        return a == null
                ? List.of()
                : Arrays.stream((Object[]) a.getArray()).map(String::valueOf).toList();
    }
}
