package dev.shardline.routing.internal;

import dev.shardline.config.TableRules;
import dev.shardline.routing.internal.PgLexer.Token;
import dev.shardline.routing.internal.PgLexer.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * One SQL text as PostgreSQL's lexer sees it: its first keyword, how many statements it holds, its
 * parameter markers, the rows of a top-level {@code INSERT ... VALUES}, and the assignments to a
 * tenant column in {@code UPDATE ... SET} and {@code ON CONFLICT DO UPDATE SET}.
 */
final class SqlText {
    final String sql;
    final List<Token> tokens;
    /** Lower-case first keyword ({@code select}, {@code with}, ...), or "" for an empty text. */
    final String verb;

    final int statements;
    final int params;

    private SqlText(String sql, List<Token> tokens) {
        this.sql = sql;
        this.tokens = tokens;
        this.verb = tokens.isEmpty() || tokens.get(0).type() != Type.IDENT
                ? tokens.isEmpty() ? "" : tokens.get(0).text()
                : tokens.get(0).text();
        int count = 0;
        boolean content = false;
        int p = 0;
        for (Token t : tokens) {
            if (t.isPunct(';')) {
                if (content) count++;
                content = false;
            } else {
                content = true;
            }
            if (t.type() == Type.PARAM && t.text().equals("?")) p = Math.max(p, t.param());
        }
        this.statements = count + (content ? 1 : 0);
        this.params = p;
    }

    static SqlText of(String sql) throws PgLexer.LexException {
        return new SqlText(sql, PgLexer.lex(sql));
    }

    /** The word at {@code k}, lower case, or "". */
    String word(int k) {
        return k < tokens.size() && tokens.get(k).type() == Type.IDENT
                ? tokens.get(k).text()
                : "";
    }

    /**
     * The statement for PREPARE: JDBC markers become {@code $n}, a trailing semicolon goes, and
     * {@code ??} stays as pgJDBC expects it (it sends {@code ?}).
     */
    String forPrepare() {
        return forPrepare(0);
    }

    /** As {@link #forPrepare()}, numbering the markers from {@code offset + 1}. */
    String forPrepare(int offset) {
        StringBuilder b = new StringBuilder(sql.length() + 16);
        int last = 0;
        int end = sql.length();
        for (int k = tokens.size() - 1; k >= 0 && tokens.get(k).isPunct(';'); k--)
            end = tokens.get(k).start();
        for (Token t : tokens) {
            if (t.start() >= end) break;
            if (t.type() == Type.PARAM && t.text().equals("?")) {
                b.append(sql, last, t.start()).append('$').append(offset + t.param());
                last = t.end();
            }
        }
        b.append(sql, last, end);
        return b.toString();
    }

    /** Whether the text uses server-side {@code $n} markers itself (pgJDBC would send them unbound). */
    boolean hasDollarParams() {
        for (Token t : tokens) if (t.type() == Type.PARAM && !t.text().equals("?")) return true;
        return false;
    }

    /**
     * For a top-level {@code INSERT INTO t [(cols)] VALUES (...), ...}: each row's element tokens,
     * or null when the statement is not of that form.
     */
    List<List<List<Token>>> valuesRows() {
        int k = 0;
        if (!word(0).equals("insert")) return null;
        while (k < tokens.size()
                && !(tokens.get(k).is("values") && tokens.get(k).depth() == 0)) {
            if (tokens.get(k).depth() == 0
                    && (tokens.get(k).is("select") || tokens.get(k).is("with"))) return null;
            k++;
        }
        if (k >= tokens.size()) return null;
        List<List<List<Token>>> rows = new ArrayList<>();
        k++;
        while (k < tokens.size() && tokens.get(k).isPunct('(') && tokens.get(k).depth() == 0) {
            List<List<Token>> row = new ArrayList<>();
            int from = k + 1;
            int j = from;
            for (; j < tokens.size(); j++) {
                Token t = tokens.get(j);
                if (t.depth() == 0 && t.isPunct(')')) break;
                if (t.depth() == 1 && t.isPunct(',')) {
                    row.add(tokens.subList(from, j));
                    from = j + 1;
                }
            }
            row.add(tokens.subList(from, Math.min(j, tokens.size())));
            rows.add(row);
            k = j + 1;
            if (k < tokens.size() && tokens.get(k).isPunct(',') && tokens.get(k).depth() == 0) k++;
            else break;
        }
        return rows;
    }

    /** An assignment of a tenant column found in the text. */
    record Assignment(String table, List<Token> value, boolean tuple) {}

    /**
     * Every {@code SET} list of an UPDATE (at any depth, so data-modifying CTEs count) or of an
     * {@code ON CONFLICT DO UPDATE}, reduced to the assignments that target the tenant column of a
     * sharded table.
     */
    List<Assignment> tenantAssignments(TableRules rules) {
        List<Assignment> out = new ArrayList<>();
        for (int k = 0; k < tokens.size(); k++) {
            if (!tokens.get(k).is("set")) continue;
            String table = updateTarget(k);
            if (table == null || !rules.isSharded(table)) continue;
            String col = rules.tenantColumnOf(table);
            int d = tokens.get(k).depth();
            int j = k + 1;
            while (j < tokens.size()) {
                Token t = tokens.get(j);
                if (t.depth() < d
                        || t.depth() == d && (t.is("from") || t.is("where") || t.is("returning") || t.isPunct(';')))
                    break;
                if (t.depth() == d && t.isPunct('(')) {
                    // (a, b) = (...): a tuple assignment; any tenant column in it is written by an expression.
                    int close = closeOf(j);
                    for (int x = j + 1; x < close; x++)
                        if (tokens.get(x).isWord() && tokens.get(x).text().equals(col))
                            out.add(new Assignment(table, List.of(), true));
                    j = skipValue(close + 2, d);
                } else if (t.depth() == d && t.isWord()) {
                    int eq = j + 1;
                    while (eq < tokens.size()
                            && !(tokens.get(eq).depth() == d
                                    && "=".equals(tokens.get(eq).text()))) eq++;
                    int end = skipValue(eq + 1, d);
                    if (t.text().equals(col))
                        out.add(new Assignment(table, tokens.subList(Math.min(eq + 1, end), end), false));
                    j = end;
                } else {
                    break;
                }
                if (j < tokens.size()
                        && tokens.get(j).depth() == d
                        && tokens.get(j).isPunct(',')) j++;
                else break;
            }
        }
        return out;
    }

    private int skipValue(int from, int d) {
        int j = from;
        while (j < tokens.size()) {
            Token t = tokens.get(j);
            if (t.depth() < d) break;
            if (t.depth() == d
                    && (t.isPunct(',') || t.is("from") || t.is("where") || t.is("returning") || t.isPunct(';'))) break;
            j++;
        }
        return j;
    }

    private int closeOf(int open) {
        int d = tokens.get(open).depth();
        for (int j = open + 1; j < tokens.size(); j++)
            if (tokens.get(j).isPunct(')') && tokens.get(j).depth() == d) return j;
        return tokens.size() - 1;
    }

    /** The table a {@code SET} at {@code k} assigns to: an UPDATE's target or an upsert's INSERT target. */
    private String updateTarget(int k) {
        int d = tokens.get(k).depth();
        for (int j = k - 1; j >= 0; j--) {
            Token t = tokens.get(j);
            if (t.depth() < d) return null;
            if (t.depth() != d) continue;
            if (t.is("update")) {
                if (j > 0 && tokens.get(j - 1).is("do")) return insertTarget(j, d);
                int n = j + 1;
                if (n < tokens.size() && tokens.get(n).is("only")) n++;
                return relationName(n);
            }
        }
        return null;
    }

    private String insertTarget(int from, int d) {
        for (int j = from; j >= 1; j--) {
            if (tokens.get(j).depth() == d
                    && tokens.get(j).is("into")
                    && tokens.get(j - 1).is("insert")) return relationName(j + 1);
        }
        return null;
    }

    /** The unqualified relation name at {@code n} ({@code name} or {@code schema.name}). */
    String relationName(int n) {
        if (n >= tokens.size() || !tokens.get(n).isWord()) return null;
        if (n + 2 < tokens.size()
                && tokens.get(n + 1).isPunct('.')
                && tokens.get(n + 2).isWord()) return tokens.get(n + 2).text();
        return tokens.get(n).text();
    }
}
