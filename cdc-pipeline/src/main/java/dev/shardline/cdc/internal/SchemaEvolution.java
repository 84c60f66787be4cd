package dev.shardline.cdc.internal;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which column type changes the analytics sinks follow on their own: widenings, which keep every
 * stored value (integer to a larger integer or to numeric, a longer varchar, a wider decimal).
 * Anything else is left to the user's analytics changelog.
 */
public final class SchemaEvolution {
    private static final Map<String, Integer> INT_RANK = Map.of("smallint", 1, "integer", 2, "bigint", 3);
    private static final Pattern SIZED =
            Pattern.compile("(character varying|varchar|numeric|decimal)\\((\\d+)(?:,\\s*(\\d+))?\\)");

    private SchemaEvolution() {}

    /** True when a column of type {@code from} can become {@code to} without losing a value (types as PostgreSQL or DuckDB print them). */
    public static boolean isWidening(String from, String to) {
        String f = from.toLowerCase(Locale.ROOT).trim();
        String t = to.toLowerCase(Locale.ROOT).trim();
        if (f.equals(t)) return false;
        Integer fr = INT_RANK.get(f);
        if (fr != null) {
            Integer tr = INT_RANK.get(t);
            return tr != null
                    ? tr > fr
                    : t.startsWith("numeric")
                            || t.startsWith("decimal")
                            || t.equals("double precision")
                            || t.equals("double");
        }
        if ((f.equals("real") || f.equals("float")) && (t.equals("double precision") || t.equals("double")))
            return true;
        Matcher fm = SIZED.matcher(f);
        if (!fm.matches()) return false;
        if (fm.group(1).endsWith("varying") || fm.group(1).equals("varchar")) {
            if (t.equals("text") || t.equals("character varying") || t.equals("varchar")) return true;
            Matcher tm = SIZED.matcher(t);
            return tm.matches()
                    && tm.group(1).equals(fm.group(1))
                    && Integer.parseInt(tm.group(2)) > Integer.parseInt(fm.group(2));
        }
        if (t.equals("numeric")) return true;
        Matcher tm = SIZED.matcher(t);
        if (!tm.matches() || tm.group(1).contains("var")) return false;
        int fs = fm.group(3) == null ? 0 : Integer.parseInt(fm.group(3));
        int ts = tm.group(3) == null ? 0 : Integer.parseInt(tm.group(3));
        int fp = Integer.parseInt(fm.group(2));
        int tp = Integer.parseInt(tm.group(2));
        return ts >= fs && tp - ts >= fp - fs && (tp != fp || ts != fs);
    }
}
