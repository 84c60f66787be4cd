package dev.shardline.config;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands {@code ${NAME}} and {@code ${NAME:-default}} in configuration values from the environment,
 * so secrets never have to be written into {@code shardline.yaml}.
 */
final class Placeholders {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.]*)(:-([^}]*))?}");

    private Placeholders() {}

    /**
     * Returns {@code value} with every placeholder replaced.
     *
     * @throws IllegalArgumentException naming the variable when it is unset and has no default
     */
    static String expand(String value, UnaryOperator<String> env) {
        if (value.indexOf("${") < 0) return value;
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String resolved = env.apply(m.group(1));
            if (resolved == null) {
                if (m.group(2) == null) {
                    throw new IllegalArgumentException("environment variable '" + m.group(1)
                            + "' is not set; set it or write ${" + m.group(1) + ":-default}");
                }
                resolved = m.group(3);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(resolved));
        }
        m.appendTail(out);
        if (out.indexOf("${") >= 0) {
            throw new IllegalArgumentException(
                    "malformed placeholder in '" + value + "'; write ${NAME} or ${NAME:-default}");
        }
        return out.toString();
    }
}
