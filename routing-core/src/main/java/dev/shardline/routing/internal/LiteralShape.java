package dev.shardline.routing.internal;

import dev.shardline.routing.internal.PgLexer.Token;
import dev.shardline.routing.internal.PgLexer.Type;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A statement whose plain literals in value positions became parameter markers, so that texts
 * differing only in those values (applications that splice values into SQL) share one plan probe.
 *
 * <p>Why it is sound: the shared analysis proves the statement single-tenant for every value of
 * its parameters, so it holds for the literals too, provided the replacement changes nothing but
 * the value. Only literals whose replacement cannot change the statement's meaning are replaced:
 * plain {@code '…'} strings (typed unknown, as the literal is) and unsigned decimal numbers (typed
 * int4, int8 or numeric by PostgreSQL's rule), and only right after a comparison operator, an
 * opening bracket or comma of a grouping (not of a function call or type modifier), or {@code SELECT},
 * {@code AND}, {@code OR}, {@code WHEN}, {@code THEN}, {@code ELSE}, {@code BETWEEN}, {@code LIMIT},
 * {@code OFFSET}. Typed literals ({@code DATE '…'}), positional {@code ORDER BY 1}, function
 * arguments and escape-string forms stay as written. A shape the server refuses, or whose analysis
 * refuses it, is not used: the literal text is analysed as before.
 *
 * @param sql the text with markers
 * @param key the cache key: the text and the types of the replaced literals
 * @param originalParam for each marker of {@code sql} (0-based), the statement's own parameter
 *     index, or -1 for a replaced literal
 * @param literals for each marker, the literal's value (null for the statement's own markers)
 * @param types for each marker, the type to probe it with (null: unknown, as a string literal is)
 */
record LiteralShape(String sql, String key, int[] originalParam, String[] literals, String[] types) {
    /** More markers than this and the shared probe would cost more than it saves. */
    private static final int MAX_PARAMS = 5_000;

    private static final Set<String> COMPARISONS = Set.of("=", "<>", "!=", "<", ">", "<=", ">=");
    private static final Set<String> BEFORE_VALUE =
            Set.of("select", "and", "or", "when", "then", "else", "between", "limit", "offset");
    /** Words after which a bracket groups (a list, a subquery, a row) rather than calling a function. */
    private static final Set<String> GROUPING = Set.of(
            "in",
            "values",
            "where",
            "and",
            "or",
            "not",
            "on",
            "when",
            "then",
            "else",
            "select",
            "exists",
            "having",
            "set",
            "returning",
            "from",
            "join",
            "using",
            "as",
            "by",
            "with",
            "lateral",
            "case",
            "between",
            "limit",
            "offset",
            "distinct",
            "union",
            "intersect",
            "except",
            "row",
            "array",
            "filter",
            "over");

    private static final Pattern DECIMAL = Pattern.compile("[0-9]+(\\.[0-9]+)?");
    private static final BigInteger INT4_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger INT8_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    /** Returns the shape of {@code text}, or null when it has no replaceable literal. */
    static LiteralShape of(SqlText text) {
        List<Token> toks = text.tokens;
        String src = text.sql;
        // callLike[d]: the bracket open at depth d belongs to a function call, type modifier or subscript.
        boolean[] callLike = new boolean[16];
        StringBuilder out = new StringBuilder(src.length());
        List<Integer> original = new ArrayList<>();
        List<String> values = new ArrayList<>();
        List<String> types = new ArrayList<>();
        StringBuilder typeKey = new StringBuilder();
        int last = 0;
        int replaced = 0;
        for (int k = 0; k < toks.size(); k++) {
            Token t = toks.get(k);
            if (t.isPunct('(') || t.isPunct('[')) {
                if (t.depth() >= callLike.length)
                    callLike = java.util.Arrays.copyOf(callLike, Math.max(t.depth() + 1, callLike.length * 2));
                Token before = k > 0 ? toks.get(k - 1) : null;
                callLike[t.depth()] = before != null
                        && (before.type() == Type.QUOTED_IDENT
                                || before.type() == Type.IDENT && !GROUPING.contains(before.text())
                                || before.isPunct(')')
                                || before.isPunct(']'));
                continue;
            }
            if (t.type() == Type.PARAM && t.text().equals("?")) {
                original.add(t.param() - 1);
                values.add(null);
                types.add(null);
                continue;
            }
            String type = replaceableType(toks, k, src, callLike);
            if (type == null) continue;
            out.append(src, last, t.start()).append('?');
            last = t.end();
            original.add(-1);
            values.add(t.type() == Type.STRING ? t.text() : src.substring(t.start(), t.end()));
            types.add(type.isEmpty() ? null : type);
            typeKey.append(type.isEmpty() ? "u" : type).append(',');
            replaced++;
        }
        if (replaced == 0 || original.size() > MAX_PARAMS) return null;
        out.append(src, last, src.length());
        String sql = out.toString();
        return new LiteralShape(
                sql,
                sql + '\0' + typeKey,
                original.stream().mapToInt(Integer::intValue).toArray(),
                values.toArray(String[]::new),
                types.toArray(String[]::new));
    }

    /** The probe type of the literal at {@code k} ("" for unknown), or null when it must stay as written. */
    private static String replaceableType(List<Token> toks, int k, String src, boolean[] callLike) {
        Token t = toks.get(k);
        String type;
        if (t.type() == Type.STRING) {
            if (src.charAt(t.start()) != '\'') return null;
            type = "";
        } else if (t.type() == Type.NUMBER) {
            String raw = src.substring(t.start(), t.end());
            if (!DECIMAL.matcher(raw).matches()) return null;
            if (raw.indexOf('.') >= 0) {
                type = "numeric";
            } else {
                BigInteger v = new BigInteger(raw);
                type = v.compareTo(INT4_MAX) <= 0 ? "int4" : v.compareTo(INT8_MAX) <= 0 ? "int8" : "numeric";
            }
        } else {
            return null;
        }
        if (k == 0) return null;
        Token prev = toks.get(k - 1);
        boolean valuePosition = prev.isPunct('(')
                || prev.isPunct(',')
                || prev.isPunct('[')
                || prev.type() == Type.OP && COMPARISONS.contains(prev.text())
                || prev.type() == Type.IDENT && BEFORE_VALUE.contains(prev.text());
        if (!valuePosition) return null;
        // 'a' 'b' on two lines is one literal to PostgreSQL.
        if (k + 1 < toks.size() && toks.get(k + 1).type() == Type.STRING) return null;
        if (t.depth() > 0 && (t.depth() - 1 >= callLike.length || callLike[t.depth() - 1])) return null;
        return type;
    }

    /** The analysis of the literal text, from the analysis of its shape. */
    Analysis instantiate(Analysis shared, String literalSql, SqlText literalText) {
        List<KeyRef> keys = new ArrayList<>(shared.keys().size());
        for (KeyRef k : shared.keys()) keys.add(map(k));
        return new Analysis(
                literalSql,
                shared.kind(),
                List.copyOf(keys),
                shared.violation(),
                shared.shardedTables(),
                shared.broadcastWrites(),
                literalText);
    }

    private KeyRef map(KeyRef k) {
        if (!k.isParam()) return k;
        int i = k.paramIndex();
        if (i < 0 || i >= originalParam.length) return k;
        return originalParam[i] >= 0 ? KeyRef.param(originalParam[i]) : KeyRef.literal(literals[i]);
    }
}
