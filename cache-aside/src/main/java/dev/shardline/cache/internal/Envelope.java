package dev.shardline.cache.internal;

import java.nio.ByteBuffer;

/**
 * A cached value as stored in Redis, as bytes: a 21-byte header (format byte, logical expiry
 * millis, load millis, read position) then the codec's payload, read in place by the codec (no
 * text decoding of the header, no copy of the payload). The logical expiry comes before Redis's
 * own (which is later by the serve-stale window); the load time drives XFetch early refresh; the
 * read position (the WAL position the value was read at or committed at, -1 unknown) lets an
 * instance refuse a value older than its own write ({@link OwnWrites}). Format
 * {@link #NULL_VALUE} records "not found".
 */
public final class Envelope {
    // Lower case since the position was added: an entry in the older 13-byte form is a miss, not misread.
    static final byte VALUE = 'v';
    static final byte NULL_VALUE = 'n';
    static final int HEADER = 21;

    private final byte[] raw;
    private final long expiresAtMillis;
    private final int loadMillis;
    private final long position;

    private Envelope(byte[] raw, long expiresAtMillis, int loadMillis, long position) {
        this.raw = raw;
        this.expiresAtMillis = expiresAtMillis;
        this.loadMillis = loadMillis;
        this.position = position;
    }

    /** Returns the stored form of {@code payload} (null: "not found") with an unknown position. */
    public static byte[] encode(long expiresAtMillis, long loadMillis, byte[] payload) {
        return encode(expiresAtMillis, loadMillis, -1, payload);
    }

    /** Returns the stored form of {@code payload} (null: "not found"), read at {@code position} (-1: unknown). */
    public static byte[] encode(long expiresAtMillis, long loadMillis, long position, byte[] payload) {
        int n = payload == null ? 0 : payload.length;
        ByteBuffer b = ByteBuffer.allocate(HEADER + n);
        b.put(payload == null ? NULL_VALUE : VALUE)
                .putLong(expiresAtMillis)
                .putInt((int) Math.min(Integer.MAX_VALUE, loadMillis))
                .putLong(position);
        if (payload != null) b.put(payload);
        return b.array();
    }

    /** Returns the envelope in {@code raw}, or null if it is not one (treated as a miss). */
    public static Envelope decode(byte[] raw) {
        if (raw == null || raw.length < HEADER || (raw[0] != VALUE && raw[0] != NULL_VALUE)) return null;
        ByteBuffer b = ByteBuffer.wrap(raw);
        b.get();
        return new Envelope(raw, b.getLong(), b.getInt(), b.getLong());
    }

    public boolean isNull() {
        return raw[0] == NULL_VALUE;
    }

    /** The bytes holding the payload: {@link #payloadOffset()} .. end of array. */
    public byte[] bytes() {
        return raw;
    }

    public int payloadOffset() {
        return HEADER;
    }

    public int payloadLength() {
        return raw.length - HEADER;
    }

    public long expiresAtMillis() {
        return expiresAtMillis;
    }

    public long loadMillis() {
        return loadMillis;
    }

    /** The WAL position the value was read at (a lower bound) or committed at; -1 when unknown. */
    public long position() {
        return position;
    }

    public boolean fresh(long now) {
        return now < expiresAtMillis;
    }

    /**
     * XFetch (Vattani et al., VLDB 2015): refresh early with a probability that grows as expiry nears
     * and with how long a load takes, so one caller refreshes a hot key before it expires for everyone.
     */
    public boolean refreshEarly(long now, double beta, double random) {
        if (beta <= 0 || loadMillis <= 0) return false;
        return now - loadMillis * beta * Math.log(random) >= expiresAtMillis;
    }
}
