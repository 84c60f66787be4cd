package dev.shardline.routing.internal;

import dev.shardline.config.TenantHash;
import dev.shardline.routing.internal.PgLexer.Token;
import dev.shardline.routing.internal.PgLexer.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the expressions PostgreSQL prints in plans (fully parenthesised, deparsed by the server
 * itself) and the few value positions the statement text is read for: AND-level conjuncts, a
 * column reference, and a tenant value source (parameter, literal or the tenant context setting).
 */
final class Exprs {
    /** The setting Shardline's own conditions compare with; the one-argument form only (policies use two). */
    static final String CONTEXT_SETTING = "shardline.tenant";
    /**
     * The statement's markers are numbered from here in the probe: PostgreSQL 15 prints subplan
     * results as {@code $0, $1, ...} too, so low numbers would be ambiguous.
     */
    static final int PARAM_OFFSET = 1000;

    private Exprs() {}

    static List<Token> lexPlan(String expr) {
        try {
            return PgLexer.lex(expr, false);
        } catch (PgLexer.LexException e) {
            return List.of();
        }
    }

    /** Splits an expression into its AND-level conjuncts, dropping the parentheses around each. */
    static List<List<Token>> conjuncts(List<Token> tokens) {
        List<List<Token>> out = new ArrayList<>();
        List<Token> t = strip(tokens);
        if (t.isEmpty()) return out;
        int base = t.get(0).depth();
        int from = 0;
        for (int k = 0; k < t.size(); k++) {
            Token x = t.get(k);
            if (x.is("and") && x.depth() == base) {
                out.addAll(conjuncts(t.subList(from, k)));
                from = k + 1;
            } else if ((x.is("or") || x.is("not")) && x.depth() == base) {
                // An OR at this level makes the whole expression one conjunct that proves nothing.
                return List.of(t);
            }
        }
        if (from == 0) {
            out.add(t);
        } else {
            out.addAll(conjuncts(t.subList(from, t.size())));
        }
        return out;
    }

    /** Removes parentheses that enclose the whole token list. */
    static List<Token> strip(List<Token> t) {
        while (t.size() >= 2 && t.get(0).isPunct('(') && t.get(t.size() - 1).isPunct(')') && closes(t))
            t = t.subList(1, t.size() - 1);
        return t;
    }

    private static boolean closes(List<Token> t) {
        int d = t.get(0).depth();
        for (int k = 1; k < t.size() - 1; k++)
            if (t.get(k).isPunct(')') && t.get(k).depth() == d) return false;
        return true;
    }

    /** Drops a trailing {@code ::type} cast at the outer level, then enclosing parentheses, repeatedly. */
    static List<Token> uncast(List<Token> t) {
        while (true) {
            t = strip(t);
            if (t.isEmpty()) return t;
            int d = t.get(0).depth();
            int cut = -1;
            for (int k = 0; k < t.size(); k++) {
                if ("::".equals(t.get(k).text())
                        && t.get(k).type() == Type.PUNCT
                        && t.get(k).depth() == d) {
                    cut = k;
                    break;
                }
            }
            if (cut <= 0) return t;
            t = t.subList(0, cut);
        }
    }

    /** A column reference {@code [qualifier.]column}. */
    record Column(String qualifier, String column) {}

    /** Returns the column {@code t} names (casts allowed around it), or null. */
    static Column column(List<Token> t) {
        t = uncast(t);
        if (t.size() == 1 && t.get(0).isWord()) return new Column(null, t.get(0).text());
        if (t.size() == 3
                && t.get(0).isWord()
                && t.get(1).isPunct('.')
                && t.get(2).isWord()) {
            return new Column(t.get(0).text(), t.get(2).text());
        }
        return null;
    }

    /**
     * Returns where a tenant value written as {@code t} comes from: a parameter ({@code $n} in plans,
     * {@code ?} in statement text), a string or whole-number literal, or the context setting; null
     * for anything else (an expression the analysis does not evaluate).
     */
    static KeyRef source(List<Token> t) {
        t = uncast(t);
        if (t.size() == 1) {
            Token x = t.get(0);
            if (x.type() == Type.PARAM && x.text().equals("?")) return KeyRef.param(x.param() - 1);
            // In plans, $n below the offset are the executor's own parameters (subplan results), never the statement's.
            if (x.type() == Type.PARAM)
                return x.param() > PARAM_OFFSET ? KeyRef.param(x.param() - PARAM_OFFSET - 1) : null;
            if (x.type() == Type.STRING) return KeyRef.literal(x.text());
            if (x.type() == Type.NUMBER && x.text().chars().allMatch(Character::isDigit))
                return KeyRef.literal(x.text());
            return null;
        }
        if (t.size() == 2
                && t.get(0).type() == Type.OP
                && t.get(0).text().equals("-")
                && t.get(1).type() == Type.NUMBER
                && t.get(1).text().chars().allMatch(Character::isDigit)) {
            return KeyRef.literal("-" + t.get(1).text());
        }
        // current_setting('shardline.tenant') — exactly one argument.
        if (t.size() >= 4
                && t.get(0).is("current_setting")
                && t.get(1).isPunct('(')
                && t.get(t.size() - 1).isPunct(')')) {
            List<Token> inner = t.subList(2, t.size() - 1);
            for (Token x : inner) if (x.isPunct(',') && x.depth() == t.get(1).depth() + 1) return null;
            List<Token> arg = uncast(inner);
            if (arg.size() == 1
                    && arg.get(0).type() == Type.STRING
                    && arg.get(0).text().equals(CONTEXT_SETTING)) return KeyRef.ofContext();
        }
        return null;
    }

    /**
     * Returns the tenant source {@code conjunct} pins {@code column} of the relation known as
     * {@code alias} to ({@code column = value} either way round), or null.
     */
    static KeyRef equality(List<Token> conjunct, String alias, String relation, String column) {
        List<Token> t = strip(conjunct);
        if (t.isEmpty()) return null;
        int d = t.get(0).depth();
        int eq = -1;
        for (int k = 0; k < t.size(); k++) {
            Token x = t.get(k);
            if (x.depth() == d && x.type() == Type.OP && x.text().equals("=")) {
                if (eq >= 0) return null;
                eq = k;
            }
        }
        if (eq <= 0 || eq == t.size() - 1) return null;
        List<Token> left = t.subList(0, eq);
        List<Token> right = t.subList(eq + 1, t.size());
        KeyRef k = sourceIfColumn(left, right, alias, relation, column);
        return k != null ? k : sourceIfColumn(right, left, alias, relation, column);
    }

    /** Whether {@code conjunct} is {@code alias.column = other.tenant_col} for a pinned scan {@code other}. */
    static boolean joinsPinned(
            List<Token> conjunct, String alias, String relation, String column, java.util.Map<String, String> pinned) {
        List<Token> t = strip(conjunct);
        if (t.isEmpty()) return false;
        int d = t.get(0).depth();
        int eq = -1;
        for (int k = 0; k < t.size(); k++) {
            Token x = t.get(k);
            if (x.depth() == d && x.type() == Type.OP && x.text().equals("=")) {
                if (eq >= 0) return false;
                eq = k;
            }
        }
        if (eq <= 0 || eq == t.size() - 1) return false;
        Column a = column(t.subList(0, eq));
        Column b = column(t.subList(eq + 1, t.size()));
        return a != null
                && b != null
                && (isOwn(a, alias, relation, column) && isPinned(b, alias, pinned)
                        || isOwn(b, alias, relation, column) && isPinned(a, alias, pinned));
    }

    private static boolean isOwn(Column c, String alias, String relation, String column) {
        return c.column().equals(column)
                && (c.qualifier() == null
                        || c.qualifier().equals(alias)
                        || c.qualifier().equals(relation));
    }

    private static boolean isPinned(Column c, String alias, java.util.Map<String, String> pinned) {
        return c.qualifier() != null
                && !c.qualifier().equals(alias)
                && c.column().equals(pinned.get(c.qualifier()));
    }

    private static KeyRef sourceIfColumn(
            List<Token> col, List<Token> value, String alias, String relation, String column) {
        Column c = column(col);
        if (c == null || !c.column().equals(column)) return null;
        if (c.qualifier() != null
                && !c.qualifier().equals(alias)
                && !c.qualifier().equals(relation)) return null;
        return source(value);
    }

    /** Returns the canonical tenant text of a literal source, or throws for an unusable literal. */
    static String canonicalLiteral(Object literal) {
        return TenantHash.canonical(literal);
    }
}
