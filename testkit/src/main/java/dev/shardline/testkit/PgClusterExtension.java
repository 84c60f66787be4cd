package dev.shardline.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/** Starts, shares and tears down the {@link PgCluster} of {@link WithPgCluster}; prints server logs on failure. */
public final class PgClusterExtension implements ParameterResolver, TestExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PgClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == PgCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return cluster(c);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext c, Throwable t) throws Throwable {
        try {
            System.err.println("=== PostgreSQL logs after failure of " + c.getDisplayName() + " ===\n"
                    + cluster(c).logs(25));
        } catch (RuntimeException e) {
            System.err.println("(could not collect PostgreSQL logs: " + e.getMessage() + ")");
        }
        throw t;
    }

    static PgCluster cluster(ExtensionContext c) {
        Class<?> testClass = c.getRequiredTestClass();
        WithPgCluster spec = findSpec(testClass);
        String key = "pg:" + spec.primaries() + "x" + spec.replicas();
        ExtensionContext owner = spec.shared() ? c.getRoot() : classContext(c);
        if (!spec.shared()) key += ":" + testClass.getName();
        return owner.getStore(NS)
                .getOrComputeIfAbsent(
                        key, k -> new Holder(PgCluster.start(spec.primaries(), spec.replicas())), Holder.class)
                .cluster;
    }

    private static WithPgCluster findSpec(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
            WithPgCluster spec = t.getAnnotation(WithPgCluster.class);
            if (spec != null) return spec;
        }
        throw new IllegalStateException(type.getName() + " needs @WithPgCluster to receive a PgCluster");
    }

    private static ExtensionContext classContext(ExtensionContext c) {
        ExtensionContext ctx = c;
        while (ctx.getTestMethod().isPresent() && ctx.getParent().isPresent())
            ctx = ctx.getParent().get();
        return ctx;
    }

    /** Closes the cluster when its store is closed (end of class, or end of the run when shared). */
    @SuppressWarnings("deprecation")
    private record Holder(PgCluster cluster) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            cluster.close();
        }
    }
}
