package dev.shardline.routing.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * The parameters bound to a logical prepared statement, kept until the target shard is known and
 * then replayed onto the physical statement. Also the source of tenant values for routing.
 */
final class Params {
    /** Replays one bound value onto a physical statement. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement ps, int index, Object value, Object extra) throws SQLException;
    }

    private Object[] values;
    private Object[] extras;
    private Binder[] binders;
    private int count;

    Params() {
        this(8);
    }

    private Params(int capacity) {
        values = new Object[capacity];
        extras = new Object[capacity];
        binders = new Binder[capacity];
    }

    void set(int index, Binder binder, Object value, Object extra) throws SQLException {
        if (index < 1) throw new SQLException("parameter index must be 1 or more, was " + index, "22023");
        int i = index - 1;
        if (i >= binders.length) grow(Math.max(i + 1, binders.length * 2));
        binders[i] = binder;
        values[i] = value;
        extras[i] = extra;
        if (index > count) count = index;
    }

    /** Returns the value bound at 0-based {@code index}, or {@code null} when unbound. */
    Object valueAt(int index) {
        return index < count ? values[index] : null;
    }

    boolean isBound(int index) {
        return index < count && binders[index] != null;
    }

    void clear() {
        Arrays.fill(binders, 0, count, null);
        Arrays.fill(values, 0, count, null);
        Arrays.fill(extras, 0, count, null);
        count = 0;
    }

    /** A copy sized to the bound parameters: a batch keeps one per row, so it allocates nothing more. */
    Params copy() {
        Params p = new Params(count);
        System.arraycopy(values, 0, p.values, 0, count);
        System.arraycopy(extras, 0, p.extras, 0, count);
        System.arraycopy(binders, 0, p.binders, 0, count);
        p.count = count;
        return p;
    }

    void applyTo(PreparedStatement ps) throws SQLException {
        applyTo(ps, 0);
    }

    /** Replays the values onto {@code ps} with every index moved by {@code offset} (parameters Shardline put first). */
    void applyTo(PreparedStatement ps, int offset) throws SQLException {
        for (int i = 0; i < count; i++) {
            Binder b = binders[i];
            if (b != null) b.bind(ps, i + 1 + offset, values[i], extras[i]);
        }
    }

    private void grow(int size) {
        values = Arrays.copyOf(values, size);
        extras = Arrays.copyOf(extras, size);
        binders = Arrays.copyOf(binders, size);
    }
}
