package dev.shardline.routing.internal;

/**
 * Where one tenant value of a statement comes from: a parameter marker (0-based), a literal in the
 * SQL, or the thread's tenant context (a condition Shardline added, read on the server through
 * {@code current_setting('shardline.tenant')}).
 */
record KeyRef(int paramIndex, Object literal, boolean context) {
    static KeyRef param(int index) {
        return new KeyRef(index, null, false);
    }

    static KeyRef literal(Object value) {
        return new KeyRef(-1, value, false);
    }

    static KeyRef ofContext() {
        return new KeyRef(-1, null, true);
    }

    boolean isParam() {
        return paramIndex >= 0;
    }

    /** Returns the tenant value given the statement's bound parameters and the context tenant. */
    Object resolve(Params params, Object contextTenant) {
        if (context) return contextTenant;
        return isParam() ? params.valueAt(paramIndex) : literal;
    }

    String describe() {
        if (context) return "the tenant context";
        return isParam() ? "parameter " + (paramIndex + 1) : "literal " + literal;
    }
}
