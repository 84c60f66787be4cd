package dev.shardline.cache.internal;

import dev.shardline.cache.CacheKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The one place the Redis key format is defined: {@code <prefix>:<namespace>:{<tenant>}:<id>}.
 * The tenant is a hash tag, so a tenant's keys share a Redis Cluster slot; any part that is long or
 * has characters outside {@code [A-Za-z0-9_.-]} is replaced by {@code h-} and its SHA-256, so no
 * two keys can collide through separators and no key grows unbounded.
 */
public final class KeyFormat {

    private final String prefix;

    public KeyFormat(String prefix) {
        this.prefix = prefix;
    }

    public String value(CacheKey k) {
        return prefix + ':' + part(k.namespace()) + ":{" + part(k.tenant()) + "}:" + part(k.id());
    }

    /** Returns the hash tag of a value key (its tenant part), the part Redis Cluster places keys by. */
    public static String hashTag(String valueKey) {
        int open = valueKey.indexOf('{');
        int close = open < 0 ? -1 : valueKey.indexOf('}', open + 1);
        return close > open + 1 ? valueKey.substring(open + 1, close) : valueKey;
    }

    /** A SCAN pattern matching every key of {@code namespace} (values, versions and locks). */
    public String namespacePattern(String namespace) {
        return prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1") + ':' + part(namespace) + ":{*}:*";
    }

    /**
     * The value key a scanned key of a namespace belongs to, or null for a lock key: parts never
     * contain ':', so after the hash tag a value key has none, its version key one ({@code :v}).
     */
    public static String valueKeyOf(String scanned) {
        int tag = scanned.indexOf("}:");
        if (tag < 0) return null;
        String rest = scanned.substring(tag + 2);
        int colon = rest.indexOf(':');
        if (colon < 0) return scanned;
        return rest.substring(colon).equals(":v") ? scanned.substring(0, scanned.length() - 2) : null;
    }

    public static String version(String valueKey) {
        return valueKey + ":v";
    }

    /** The floor key of {@code shard}: the CDC position standing in for lost version state. */
    public String floor(String shard) {
        return prefix + ":floor:" + part(shard);
    }

    /**
     * Whether {@code s} is 1 to 64 of {@code [A-Za-z0-9_.-]}: every changed row's key passes here on
     * the CDC sidecar, where the regex was a tenth of the cache sink's CPU.
     */
    static boolean plain(String s) {
        int n = s.length();
        if (n == 0 || n > 64) return false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '_'
                    || c == '.'
                    || c == '-';
            if (!ok) return false;
        }
        return true;
    }

    public static String lock(String valueKey) {
        return valueKey + ":lock";
    }

    static String part(String s) {
        // A plain part that looks like a digest ("h-...") is hashed too: otherwise a tenant named after the digest of
        // another tenant's odd id would share that tenant's keys.
        if (plain(s) && !s.startsWith("h-")) return s;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return "h-" + HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
