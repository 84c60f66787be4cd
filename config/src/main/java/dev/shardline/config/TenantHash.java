package dev.shardline.config;

import java.nio.charset.StandardCharsets;

/**
 * The stable tenant hash: MurmurHash3 (x86, 32-bit, seed 0) of the tenant's canonical text.
 * Integral numbers and their decimal text hash alike, so {@code 42}, {@code 42L} and {@code "42"}
 * are the same tenant wherever the value came from (SQL literal, parameter, context).
 */
public final class TenantHash {
    private TenantHash() {}

    /** Returns the canonical text of a tenant id; rejects null and non-integral numbers. */
    public static String canonical(Object tenant) {
        if (tenant == null) throw new IllegalArgumentException("tenant id must not be null");
        if (tenant instanceof String s) return s;
        if (tenant instanceof Long || tenant instanceof Integer || tenant instanceof Short || tenant instanceof Byte) {
            return Long.toString(((Number) tenant).longValue());
        }
        if (tenant instanceof java.math.BigInteger b) return b.toString();
        if (tenant instanceof java.math.BigDecimal d) {
            try {
                return d.toBigIntegerExact().toString();
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("tenant id must be a whole number or text, was " + d);
            }
        }
        if (tenant instanceof java.util.UUID u) return u.toString();
        throw new IllegalArgumentException("tenant id must be a whole number, text or UUID, was "
                + tenant.getClass().getSimpleName() + " " + tenant);
    }

    /** Returns the 32-bit hash of the tenant's canonical text. */
    public static int hash(Object tenant) {
        return murmur3(canonical(tenant).getBytes(StandardCharsets.UTF_8));
    }

    static int murmur3(byte[] data) {
        final int c1 = 0xcc9e2d51;
        final int c2 = 0x1b873593;
        int h = 0;
        int blocks = data.length / 4;
        for (int i = 0; i < blocks; i++) {
            int k = (data[i * 4] & 0xff)
                    | (data[i * 4 + 1] & 0xff) << 8
                    | (data[i * 4 + 2] & 0xff) << 16
                    | (data[i * 4 + 3] & 0xff) << 24;
            k *= c1;
            k = Integer.rotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        int k = 0;
        int tail = blocks * 4;
        switch (data.length & 3) {
            case 3:
                k ^= (data[tail + 2] & 0xff) << 16;
            // fall through
            case 2:
                k ^= (data[tail + 1] & 0xff) << 8;
            // fall through
            case 1:
                k ^= data[tail] & 0xff;
                k *= c1;
                k = Integer.rotateLeft(k, 15);
                k *= c2;
                h ^= k;
            // fall through
            default:
                break;
        }
        h ^= data.length;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
