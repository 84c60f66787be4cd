package dev.shardline.routing;

import dev.shardline.config.TenantHash;
import java.util.Objects;

/**
 * The tenant context of the current thread: statements that do not carry the tenant key in SQL
 * are routed to this tenant's shard and restricted to its rows. Works with plain JDBC and with
 * Jdbi, which run statements on the calling thread. Contexts nest and are always restored; the
 * work's own checked exception (such as {@code SQLException}) passes through unchanged.
 */
public final class Tenants {
    private static final ThreadLocal<Object> TENANT = new ThreadLocal<>();
    private static final ThreadLocal<Boolean> SCATTER = new ThreadLocal<>();
    private static final ThreadLocal<String> UNRESTRICTED = new ThreadLocal<>();

    /** Work that returns a value and may throw {@code X}. */
    @FunctionalInterface
    public interface Work<T, X extends Exception> {
        T call() throws X;
    }

    /** Work that returns nothing and may throw {@code X}. */
    @FunctionalInterface
    public interface VoidWork<X extends Exception> {
        void run() throws X;
    }

    private Tenants() {}

    /** Runs {@code work} with {@code tenant} as the context tenant. */
    public static <X extends Exception> void run(Object tenant, VoidWork<X> work) throws X {
        Objects.requireNonNull(work, "work");
        call(tenant, () -> {
            work.run();
            return null;
        });
    }

    /**
     * Calls {@code work} with {@code tenant} as the context tenant and returns its result.
     *
     * @throws IllegalArgumentException if {@code tenant} is null or not a whole number, text or UUID
     */
    public static <T, X extends Exception> T call(Object tenant, Work<T, X> work) throws X {
        Objects.requireNonNull(work, "work");
        TenantHash.canonical(tenant);
        Object previous = TENANT.get();
        TENANT.set(tenant);
        try {
            return work.call();
        } finally {
            restore(TENANT, previous);
        }
    }

    /** Returns the context tenant, or {@code null} if none is set. */
    public static Object current() {
        return TENANT.get();
    }

    /**
     * Calls {@code work} allowing read-only statements without a tenant key to read every shard
     * (results merged by ShardingSphere). Writes stay single-shard; this is the only way to scatter.
     */
    public static <T, X extends Exception> T scatter(Work<T, X> work) throws X {
        Objects.requireNonNull(work, "work");
        Boolean previous = SCATTER.get();
        SCATTER.set(Boolean.TRUE);
        try {
            return work.call();
        } finally {
            restore(SCATTER, previous);
        }
    }

    /** Returns true inside {@link #scatter}. */
    public static boolean scatterAllowed() {
        return SCATTER.get() != null;
    }

    /**
     * Calls {@code work} with isolation checks off: statements Shardline cannot prove single-tenant
     * run anyway, on the context tenant's shard (or the default shard). Every such statement is
     * counted ({@code shardline_statements_unrestricted_total}) and logged with {@code reason}. For
     * administration and migrations only; never around code that handles tenant input.
     */
    public static <T, X extends Exception> T unrestricted(String reason, Work<T, X> work) throws X {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(work, "work");
        String previous = UNRESTRICTED.get();
        UNRESTRICTED.set(reason);
        try {
            return work.call();
        } finally {
            restore(UNRESTRICTED, previous);
        }
    }

    /** Returns the reason given to the enclosing {@link #unrestricted} call, or null outside one. */
    public static String unrestrictedReason() {
        return UNRESTRICTED.get();
    }

    private static <T> void restore(ThreadLocal<T> local, T previous) {
        if (previous == null) {
            local.remove();
        } else {
            local.set(previous);
        }
    }
}
