package dev.shardline.routing.internal;

import dev.shardline.config.TenantHash;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * How PostgreSQL reads a tenant value into the tenant column's type, so that Shardline routes by the
 * value the server stores and compares, not by its spelling: {@code '007'} and {@code ' +7'} are the
 * bigint 7, {@code 'A0EEBC99-…'} and {@code '{a0eebc99…}'} one uuid, {@code 'ab  '} the character(n)
 * value {@code 'ab'}. Routing by spelling would place such a row on a shard that does not own its
 * tenant.
 */
enum TenantType {
    /** text, varchar, and any type Shardline does not know: the value as written. */
    TEXT,
    /** smallint, integer, bigint. */
    INTEGER,
    /** numeric: a whole number, however written. */
    NUMERIC,
    UUID_TYPE,
    /** character(n): trailing spaces are insignificant. */
    BPCHAR,
    /**
     * A column whose equality is not exact (citext, a nondeterministic collation): two different
     * tenant ids can match the same rows, so no value is accepted.
     */
    INEXACT;

    private static final Pattern INTEGER_TEXT = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern NUMERIC_TEXT = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    /** A valid value of this type for planning only (a plan probe's {@code shardline.tenant}). */
    String standIn() {
        return switch (this) {
            case INTEGER, NUMERIC -> "0";
            case UUID_TYPE -> "00000000-0000-0000-0000-000000000000";
            case TEXT, BPCHAR, INEXACT -> "";
        };
    }

    /** The type family of a column from {@code format_type()} output. */
    static TenantType ofSqlType(String formatted) {
        if (formatted == null) return TEXT;
        String t = formatted.toLowerCase(Locale.ROOT);
        return switch (t) {
            case "smallint", "integer", "bigint" -> INTEGER;
            case "uuid" -> UUID_TYPE;
            default ->
                t.startsWith("numeric") ? NUMERIC : t.equals("character") || t.startsWith("character(") ? BPCHAR : TEXT;
        };
    }

    /** The one family of {@code types}, or null when they differ. */
    static TenantType common(Collection<TenantType> types) {
        TenantType out = null;
        for (TenantType t : types) {
            if (out == null) out = t;
            else if (out != t) return null;
        }
        return out;
    }

    /**
     * Returns the canonical text of {@code value} as a value of this type.
     *
     * @throws IllegalArgumentException when PostgreSQL would not read it as one (it would fail there too)
     */
    String canonical(Object value) {
        if (!(value instanceof String s)) {
            if (this == INEXACT) return canonical(TenantHash.canonical(value));
            if (this == UUID_TYPE && value instanceof UUID u) return u.toString();
            return TenantHash.canonical(value);
        }
        return switch (this) {
            case TEXT -> s;
            case BPCHAR -> s.replaceAll(" +$", "");
            case INTEGER -> {
                String v = trimPgSpace(s);
                if (!INTEGER_TEXT.matcher(v).matches())
                    throw new IllegalArgumentException("'" + s + "' is not a whole number");
                yield new BigInteger(v.startsWith("+") ? v.substring(1) : v).toString();
            }
            case NUMERIC -> {
                String v = trimPgSpace(s);
                if (!NUMERIC_TEXT.matcher(v).matches())
                    throw new IllegalArgumentException("'" + s + "' is not a number");
                try {
                    yield new BigDecimal(v).toBigIntegerExact().toString();
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("'" + s + "' is not a whole number");
                }
            }
            case UUID_TYPE -> uuid(s);
            case INEXACT ->
                throw new IllegalArgumentException(
                        "the tenant column compares case-insensitively or by a nondeterministic "
                                + "collation (citext, ICU with deterministic = false), so tenant '" + s
                                + "' could match another tenant's rows; "
                                + "make the tenant column text, a number or uuid with a deterministic collation");
        };
    }

    /** PostgreSQL's uuid input: optional braces, hyphens between groups of four hex digits, any case. */
    private static String uuid(String s) {
        String v = s;
        if (v.startsWith("{") && v.endsWith("}")) v = v.substring(1, v.length() - 1);
        String hex = v.replace("-", "").toLowerCase(Locale.ROOT);
        if (hex.length() != 32 || !hex.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
            throw new IllegalArgumentException("'" + s + "' is not a uuid");
        }
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }

    /** Number input skips leading and trailing whitespace as PostgreSQL's isspace() does. */
    private static String trimPgSpace(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isPgSpace(s.charAt(b))) b++;
        while (e > b && isPgSpace(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }

    private static boolean isPgSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\u000b' || c == '\f';
    }
}
