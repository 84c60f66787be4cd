package dev.shardline.app.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a file of SQL into statements at top-level semicolons, leaving semicolons inside quotes,
 * quoted identifiers, dollar-quoted bodies and comments alone. Returns trimmed, non-empty statements.
 */
final class SqlScript {
    private SqlScript() {}

    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char ch = text.charAt(i);
            int end = i + 1;
            if (ch == '\'' || ch == '"') {
                end = closing(text, i + 1, ch);
            } else if (ch == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
                int nl = text.indexOf('\n', i);
                end = nl < 0 ? n : nl;
            } else if (ch == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int close = text.indexOf("*/", i + 2);
                end = close < 0 ? n : close + 2;
            } else if (ch == '$') {
                int tagEnd = text.indexOf('$', i + 1);
                if (tagEnd > 0 && text.substring(i + 1, tagEnd).matches("[A-Za-z_0-9]*")) {
                    String tag = text.substring(i, tagEnd + 1);
                    int close = text.indexOf(tag, tagEnd + 1);
                    end = close < 0 ? n : close + tag.length();
                }
            } else if (ch == ';') {
                add(out, cur);
                cur.setLength(0);
                i++;
                continue;
            }
            cur.append(text, i, end);
            i = end;
        }
        add(out, cur);
        return out;
    }

    private static int closing(String text, int from, char quote) {
        int i = from;
        while (i < text.length()) {
            if (text.charAt(i) == quote) {
                if (i + 1 < text.length() && text.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return text.length();
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().strip();
        // A chunk that is only comments is not a statement.
        String bare =
                s.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("--[^\n]*", "").strip();
        if (!bare.isEmpty()) out.add(s);
    }
}
