package dev.shardline.routing.internal;

import dev.shardline.config.TableRules;
import dev.shardline.routing.internal.PgLexer.Token;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Restricts a statement run inside a tenant context to that tenant: every sharded table in a FROM,
 * JOIN or USING position becomes a subquery filtered on the tenant column, and an UPDATE's or
 * DELETE's target gets the condition added to its WHERE. The value is the session setting
 * {@code shardline.tenant} (set per physical connection, never spliced into the text). The result
 * is analysed like any statement, so a reference this rewrite missed is still rejected.
 */
final class ContextGuard {
    private static final String SETTING = "current_setting('" + Exprs.CONTEXT_SETTING + "')";
    private static final Set<String> NOT_ALIAS = Set.of(
            "where",
            "join",
            "inner",
            "left",
            "right",
            "full",
            "cross",
            "natural",
            "on",
            "using",
            "group",
            "order",
            "limit",
            "offset",
            "having",
            "window",
            "union",
            "intersect",
            "except",
            "for",
            "returning",
            "set",
            "fetch",
            "lateral",
            "tablesample",
            "when",
            "then",
            "and",
            "or",
            "values",
            "select",
            "from",
            "into",
            "do",
            "with",
            "default");

    private record Edit(int at, int remove, String insert) {}

    private ContextGuard() {}

    /** Returns {@code text} restricted to the context tenant, or null when it names no sharded table it can restrict. */
    static String rewrite(SqlText text, TableRules rules, ShardCatalog catalog) {
        List<Token> t = text.tokens;
        List<Edit> edits = new ArrayList<>();
        for (int k = 0; k < t.size(); k++) {
            Token tok = t.get(k);
            if (!tok.isWord()) continue;
            int nameAt = k;
            boolean qualified = k + 2 < t.size()
                    && t.get(k + 1).isPunct('.')
                    && t.get(k + 2).isWord();
            String name = qualified ? t.get(k + 2).text() : tok.text();
            if (k > 0 && t.get(k - 1).isPunct('.')) continue;
            if (!rules.isSharded(name)) continue;
            int end = qualified ? k + 2 : k;
            if (end + 1 < t.size()
                    && (t.get(end + 1).isPunct('(') || t.get(end + 1).isPunct('.'))) continue;
            int p = k - 1;
            boolean only = p >= 0 && t.get(p).is("only");
            if (only) p--;
            if (p < 0) continue;
            Token prev = t.get(p);
            String col = rules.tenantColumnOf(name);
            String type =
                    catalog.table(name) == null ? "text" : catalog.table(name).tenantType();
            String condValue = SETTING + "::" + type;
            int aliasAt = end + 1;
            if (aliasAt < t.size() && t.get(aliasAt).is("as")) aliasAt++;
            boolean hasAlias = aliasAt < t.size()
                    && t.get(aliasAt).isWord()
                    && !NOT_ALIAS.contains(t.get(aliasAt).text())
                    && t.get(aliasAt).depth() == tok.depth();
            String alias = hasAlias ? t.get(aliasAt).text() : name;
            boolean deleteTarget = prev.is("from") && p > 0 && t.get(p - 1).is("delete");
            boolean updateTarget = prev.is("update")
                    && !(p > 0
                            && (t.get(p - 1).is("for")
                                    || t.get(p - 1).is("do")
                                    || t.get(p - 1).is("key")));
            if (deleteTarget || updateTarget) {
                if (!addTargetCondition(
                        t,
                        text.sql,
                        end,
                        tok.depth(),
                        quoteIdent(alias) + "." + quoteIdent(col) + " = " + condValue,
                        edits)) {
                    return null;
                }
                continue;
            }
            boolean fromItem = prev.is("from")
                    || prev.is("join")
                    || prev.is("using")
                    || prev.isPunct(',') && inFromList(t, p, tok.depth());
            if (!fromItem) continue;
            int start = (only ? t.get(k - 1) : tok).start();
            String rel = text.sql.substring(start, t.get(end).end());
            String sub = "(SELECT * FROM " + rel + " WHERE " + quoteIdent(col) + " = " + condValue + ")"
                    + (hasAlias ? "" : " AS " + quoteIdent(name));
            edits.add(new Edit(start, t.get(end).end() - start, sub));
        }
        if (edits.isEmpty()) return null;
        StringBuilder b = new StringBuilder(text.sql);
        edits.sort(Comparator.comparingInt(Edit::at).reversed());
        for (Edit e : edits) b.replace(e.at(), e.at() + e.remove(), e.insert());
        return b.toString();
    }

    /** Whether the comma at {@code p} separates FROM items (the nearest clause keyword at its depth is FROM or USING). */
    private static boolean inFromList(List<Token> t, int p, int depth) {
        for (int j = p - 1; j >= 0; j--) {
            Token x = t.get(j);
            if (x.depth() < depth) return false;
            if (x.depth() != depth || x.type() != PgLexer.Type.IDENT) continue;
            switch (x.text()) {
                case "from", "using" -> {
                    return true;
                }
                case "select",
                        "where",
                        "set",
                        "values",
                        "returning",
                        "group",
                        "order",
                        "having",
                        "on",
                        "by",
                        "window",
                        "into" -> {
                    return false;
                }
                default -> {}
            }
        }
        return false;
    }

    /** Adds {@code cond} to the WHERE of the UPDATE/DELETE whose target ends at token {@code end}. */
    private static boolean addTargetCondition(
            List<Token> t, String sql, int end, int depth, String cond, List<Edit> edits) {
        int where = -1;
        int stop = t.size();
        for (int j = end + 1; j < t.size(); j++) {
            Token x = t.get(j);
            // Parentheses carry their outer depth, so only a token shallower than the target ends its statement.
            if (x.depth() < depth || x.isPunct(';')) {
                stop = j;
                break;
            }
            if (x.depth() != depth) continue;
            if (x.is("where") && where < 0) {
                if (j + 1 < t.size() && t.get(j + 1).is("current")) return false;
                where = j;
            } else if (x.is("returning")) {
                stop = j;
                break;
            }
        }
        int stopAt = stop < t.size() ? t.get(stop).start() : sql.length();
        // Insert right after the last token before stop, keeping trailing comments outside.
        int endAt = stop > 0 ? t.get(stop - 1).end() : stopAt;
        if (where >= 0) {
            edits.add(new Edit(t.get(where).end(), 0, " ("));
            edits.add(new Edit(endAt, 0, ") AND " + cond));
        } else {
            edits.add(new Edit(endAt, 0, " WHERE " + cond));
        }
        return true;
    }

    static String quoteIdent(String s) {
        return s.matches("[a-z_][a-z0-9_]*") ? s : "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
