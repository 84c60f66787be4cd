package dev.shardline.routing.internal;

import dev.shardline.routing.UnverifiableStatementException;
import dev.shardline.routing.internal.PgLexer.Token;
import java.sql.SQLException;
import java.util.List;

/**
 * A {@code COPY} statement handed to Shardline's CopyManager, taken apart with the lexer
 * PostgreSQL's own rules: {@code COPY table [(columns)] FROM STDIN [options]}, {@code COPY table
 * [(columns)] TO STDOUT [options]} or {@code COPY (query) TO STDOUT [options]}. Options may hold
 * only words, numbers, strings, parentheses and commas — no second statement, no {@code WHERE},
 * no file or program — so the option text can be reused verbatim.
 *
 * @param in true for FROM STDIN
 * @param table the table (lower-case unless quoted), or null for a query
 * @param columns the column list as written including parentheses, or ""
 * @param query the query of {@code COPY (query) TO STDOUT}, or null
 * @param options the options as written, or ""
 */
record CopySql(boolean in, String table, String columns, String query, String options) {

    static CopySql parse(String sql) throws SQLException {
        if (sql == null) throw refused("SQL must not be null", null);
        List<Token> t;
        try {
            t = PgLexer.lex(sql, false);
        } catch (PgLexer.LexException e) {
            throw refused(e.getMessage(), sql);
        }
        int end = t.size();
        if (end > 0 && t.get(end - 1).isPunct(';')) end--;
        if (end < 4 || !t.get(0).is("copy")) throw refused("not a COPY statement", sql);
        int k = 1;
        String table = null;
        String query = null;
        String columns = "";
        if (t.get(k).isPunct('(')) {
            int close = closing(t, k, end);
            if (close < 0) throw refused("unbalanced parentheses", sql);
            query = sql.substring(t.get(k).end(), t.get(close).start());
            k = close + 1;
        } else {
            if (!t.get(k).isWord()) throw refused("COPY must name a table or (query)", sql);
            if (k + 1 < end && t.get(k + 1).isPunct('.')) {
                throw refused(
                        "name the table without a schema (Shardline's tables live in the default search_path)", sql);
            }
            table = t.get(k).text();
            k++;
            if (k < end && t.get(k).isPunct('(')) {
                int close = closing(t, k, end);
                if (close < 0) throw refused("unbalanced parentheses", sql);
                for (int j = k + 1; j < close; j++) {
                    if (!(t.get(j).isWord() || t.get(j).isPunct(',')))
                        throw refused("the column list may hold only column names", sql);
                }
                columns = sql.substring(t.get(k).start(), t.get(close).end());
                k = close + 1;
            }
        }
        if (k + 1 >= end) throw refused("expected FROM STDIN or TO STDOUT", sql);
        boolean in;
        if (t.get(k).is("from") && t.get(k + 1).is("stdin")) {
            in = true;
        } else if (t.get(k).is("to") && t.get(k + 1).is("stdout")) {
            in = false;
        } else {
            throw refused("only FROM STDIN and TO STDOUT go through the CopyManager (no files, no programs)", sql);
        }
        if (query != null && in) throw refused("COPY (query) works only TO STDOUT", sql);
        k += 2;
        for (int j = k; j < end; j++) {
            Token o = t.get(j);
            boolean ok = switch (o.type()) {
                case IDENT -> !o.is("where");
                case QUOTED_IDENT, STRING, NUMBER -> true;
                case PUNCT -> o.isPunct('(') || o.isPunct(')') || o.isPunct(',');
                default -> false;
            };
            if (!ok)
                throw refused(
                        "options may hold only words, numbers, strings, parentheses and commas (no WHERE, no second statement)",
                        sql);
        }
        String options =
                k < end ? sql.substring(t.get(k).start(), t.get(end - 1).end()) : "";
        return new CopySql(in, table, columns, query, options);
    }

    private static int closing(List<Token> t, int open, int end) {
        int depth = t.get(open).depth();
        for (int j = open + 1; j < end; j++)
            if (t.get(j).isPunct(')') && t.get(j).depth() == depth) return j;
        return -1;
    }

    /** This statement with another target: {@code COPY target columns FROM STDIN options}. */
    String copyInto(String target) {
        return "COPY " + target + " " + columns + " FROM STDIN " + options;
    }

    static UnverifiableStatementException refused(String why, String sql) {
        return new UnverifiableStatementException(
                "copy - " + why + (sql == null ? "" : ". Statement: " + Router.abbreviate(sql)));
    }
}
