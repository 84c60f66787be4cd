package dev.shardline.routing.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits SQL into tokens exactly where PostgreSQL's lexer does with {@code
 * standard_conforming_strings = on} (which Shardline pins on every connection): standard strings
 * treat a backslash as an ordinary character, {@code E'...'} strings honour backslash escapes,
 * {@code U&'...'}/{@code U&"..."} are read like their plain forms, dollar quotes end only at the
 * same tag, block comments nest. A JDBC {@code ?} is a parameter marker and {@code ??} the
 * {@code ?} operator, as in pgJDBC. Iterative: any input length lexes without deep recursion.
 */
final class PgLexer {
    /** Token kinds the analysis distinguishes. */
    enum Type {
        IDENT,
        QUOTED_IDENT,
        STRING,
        NUMBER,
        PARAM,
        OP,
        PUNCT,
        OTHER
    }

    /**
     * One token. {@code text} is the decoded value for identifiers (folded to lower case unless
     * quoted) and strings (quotes removed, escapes applied where PostgreSQL applies them at lex
     * time); {@code start}/{@code end} are offsets in the source.
     *
     * @param param for {@link Type#PARAM}, the 1-based position among the statement's JDBC markers,
     *     or for {@code $n} markers, n
     */
    record Token(Type type, String text, int start, int end, int depth, int param) {
        boolean is(String keyword) {
            return type == Type.IDENT && text.equals(keyword);
        }

        boolean isPunct(char c) {
            return type == Type.PUNCT && text.length() == 1 && text.charAt(0) == c;
        }

        boolean isWord() {
            return type == Type.IDENT || type == Type.QUOTED_IDENT;
        }
    }

    /** Thrown for input PostgreSQL itself would refuse at the lexical level (an unterminated string). */
    static final class LexException extends Exception {
        LexException(String message) {
            super(message);
        }
    }

    private final String s;
    private final boolean jdbcMarkers;
    private int i;
    private int depth;
    private int jdbcParams;
    private final List<Token> out = new ArrayList<>();

    private PgLexer(String s, boolean jdbcMarkers) {
        this.s = s;
        this.jdbcMarkers = jdbcMarkers;
    }

    /** Lexes {@code sql} with {@code ?} as JDBC parameter markers. */
    static List<Token> lex(String sql) throws LexException {
        return lex(sql, true);
    }

    /** Lexes {@code sql}; with {@code jdbcMarkers} false a {@code ?} is an operator character. */
    static List<Token> lex(String sql, boolean jdbcMarkers) throws LexException {
        PgLexer l = new PgLexer(sql, jdbcMarkers);
        l.run();
        return l.out;
    }

    private void run() throws LexException {
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && peek(1) == '-') {
                while (i < n && s.charAt(i) != '\n' && s.charAt(i) != '\r') i++;
            } else if (c == '/' && peek(1) == '*') {
                blockComment();
            } else if (c == '\'') {
                quoted(i, i, false);
            } else if ((c == 'E' || c == 'e') && peek(1) == '\'') {
                quoted(i, i + 1, true);
            } else if ((c == 'B' || c == 'b' || c == 'X' || c == 'x' || c == 'N' || c == 'n') && peek(1) == '\'') {
                quoted(i, i + 1, false);
            } else if ((c == 'U' || c == 'u') && peek(1) == '&' && peek(2) == '\'') {
                quoted(i, i + 2, false);
            } else if ((c == 'U' || c == 'u') && peek(1) == '&' && peek(2) == '"') {
                quotedIdent(i, i + 2);
            } else if (c == '"') {
                quotedIdent(i, i);
            } else if (c == '$' && isDigit(peek(1))) {
                int st = i++;
                while (i < n && isDigit(s.charAt(i))) i++;
                String digits = s.substring(st + 1, i);
                int num = digits.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(digits);
                add(Type.PARAM, s.substring(st, i), st, num);
            } else if (c == '$' && dollarTagEnd(i) > 0) {
                dollarQuoted();
            } else if (isIdentStart(c)) {
                int st = i++;
                while (i < n && isIdentCont(s.charAt(i))) i++;
                add(Type.IDENT, s.substring(st, i).toLowerCase(Locale.ROOT), st, 0);
            } else if (isDigit(c) || c == '.' && isDigit(peek(1))) {
                number();
            } else if (c == '?' && jdbcMarkers) {
                if (peek(1) == '?') {
                    int st = i;
                    i += 2;
                    add(Type.OP, "?", st, 0);
                } else {
                    int st = i++;
                    add(Type.PARAM, "?", st, ++jdbcParams);
                }
            } else if (c == ':' && peek(1) == ':') {
                int st = i;
                i += 2;
                add(Type.PUNCT, "::", st, 0);
            } else if (c == '(' || c == '[') {
                int st = i++;
                add(Type.PUNCT, String.valueOf(c), st, 0);
                depth++;
            } else if (c == ')' || c == ']') {
                depth = Math.max(0, depth - 1);
                int st = i++;
                add(Type.PUNCT, String.valueOf(c), st, 0);
            } else if (c == ',' || c == ';' || c == '.' || c == ':') {
                int st = i++;
                add(Type.PUNCT, String.valueOf(c), st, 0);
            } else if (isOpChar(c)) {
                operator();
            } else {
                int st = i++;
                add(Type.OTHER, String.valueOf(c), st, 0);
            }
        }
    }

    private void add(Type t, String text, int st, int param) {
        out.add(new Token(t, text, st, i, depth, param));
    }

    private char peek(int k) {
        int j = i + k;
        return j < s.length() ? s.charAt(j) : '\0';
    }

    private void blockComment() throws LexException {
        int st = i;
        int nest = 0;
        int n = s.length();
        while (i < n) {
            if (s.charAt(i) == '/' && peek(1) == '*') {
                nest++;
                i += 2;
            } else if (s.charAt(i) == '*' && peek(1) == '/') {
                nest--;
                i += 2;
                if (nest == 0) return;
            } else {
                i++;
            }
        }
        throw new LexException("unterminated /* comment starting at offset " + st);
    }

    /** A string starting at {@code st} whose opening quote is at {@code q}. */
    private void quoted(int st, int q, boolean escapes) throws LexException {
        StringBuilder b = new StringBuilder();
        int n = s.length();
        i = q + 1;
        while (true) {
            if (i >= n) throw new LexException("unterminated quoted string starting at offset " + st);
            char c = s.charAt(i);
            if (c == '\'') {
                if (peek(1) == '\'') {
                    b.append('\'');
                    i += 2;
                    continue;
                }
                i++;
                // PostgreSQL joins string constants separated by whitespace containing a newline.
                int j = i;
                boolean newline = false;
                while (j < n && Character.isWhitespace(s.charAt(j))) {
                    if (s.charAt(j) == '\n' || s.charAt(j) == '\r') newline = true;
                    j++;
                }
                if (newline && j < n && s.charAt(j) == '\'') {
                    i = j + 1;
                    continue;
                }
                break;
            }
            if (escapes && c == '\\' && i + 1 < n) {
                char e = s.charAt(i + 1);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    default -> b.append(e);
                }
                i += 2;
                continue;
            }
            b.append(c);
            i++;
        }
        add(Type.STRING, b.toString(), st, 0);
    }

    private void quotedIdent(int st, int q) throws LexException {
        StringBuilder b = new StringBuilder();
        int n = s.length();
        i = q + 1;
        while (true) {
            if (i >= n) throw new LexException("unterminated quoted identifier starting at offset " + st);
            char c = s.charAt(i);
            if (c == '"') {
                if (peek(1) == '"') {
                    b.append('"');
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            b.append(c);
            i++;
        }
        // U&"..." may carry escapes; the decoded name is only known after them, so mark it as such.
        add(Type.QUOTED_IDENT, q > st ? unicodeIdent(b.toString()) : b.toString(), st, 0);
    }

    /** Decodes the default-escape form of a U&"..." identifier; anything else keeps a marker that matches no table. */
    private static String unicodeIdent(String raw) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < raw.length(); k++) {
            char c = raw.charAt(k);
            if (c != '\\') {
                b.append(c);
            } else if (k + 1 < raw.length() && raw.charAt(k + 1) == '\\') {
                b.append('\\');
                k++;
            } else if (k + 4 < raw.length() && raw.charAt(k + 1) != '+' && isHex(raw, k + 1, 4)) {
                b.appendCodePoint(Integer.parseInt(raw.substring(k + 1, k + 5), 16));
                k += 4;
            } else if (k + 7 < raw.length() && raw.charAt(k + 1) == '+' && isHex(raw, k + 2, 6)) {
                b.appendCodePoint(Integer.parseInt(raw.substring(k + 2, k + 8), 16));
                k += 7;
            } else {
                return "\u0000unicode-ident:" + raw;
            }
        }
        return b.toString();
    }

    private static boolean isHex(String t, int from, int len) {
        for (int k = from; k < from + len; k++) if (Character.digit(t.charAt(k), 16) < 0) return false;
        return true;
    }

    /** Returns the offset just past the closing {@code $} of a dollar-quote tag at {@code at}, or -1. */
    private int dollarTagEnd(int at) {
        int n = s.length();
        int j = at + 1;
        if (j < n && s.charAt(j) == '$') return j + 1;
        if (j >= n || !isIdentStart(s.charAt(j))) return -1;
        j++;
        while (j < n && isIdentCont(s.charAt(j)) && s.charAt(j) != '$') j++;
        return j < n && s.charAt(j) == '$' ? j + 1 : -1;
    }

    private void dollarQuoted() throws LexException {
        int st = i;
        int tagEnd = dollarTagEnd(i);
        String tag = s.substring(i, tagEnd);
        int close = s.indexOf(tag, tagEnd);
        if (close < 0) throw new LexException("unterminated dollar-quoted string " + tag + " starting at offset " + st);
        String body = s.substring(tagEnd, close);
        i = close + tag.length();
        add(Type.STRING, body, st, 0);
    }

    private void number() {
        int st = i;
        int n = s.length();
        while (i < n && (isDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
        if (i < n && s.charAt(i) == '.' && !(i + 1 < n && s.charAt(i + 1) == '.')) {
            i++;
            while (i < n && (isDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < n && (s.charAt(j) == '+' || s.charAt(j) == '-')) j++;
            if (j < n && isDigit(s.charAt(j))) {
                i = j;
                while (i < n && isDigit(s.charAt(i))) i++;
            }
        }
        add(Type.NUMBER, s.substring(st, i), st, 0);
    }

    private void operator() {
        int st = i;
        int n = s.length();
        while (i < n && isOpChar(s.charAt(i))) {
            // A comment start ends the operator, as in PostgreSQL.
            if (i > st && (s.charAt(i) == '-' && peek(1) == '-' || s.charAt(i) == '/' && peek(1) == '*')) break;
            if (s.charAt(i) == '?' && jdbcMarkers) break;
            i++;
        }
        if (i == st) i++;
        add(Type.OP, s.substring(st, i), st, 0);
    }

    private static boolean isOpChar(char c) {
        return "+-*/<>=~!@#%^&|`".indexOf(c) >= 0 || c == '?';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentStart(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= '\u0080';
    }

    private static boolean isIdentCont(char c) {
        return isIdentStart(c) || isDigit(c) || c == '$';
    }
}
