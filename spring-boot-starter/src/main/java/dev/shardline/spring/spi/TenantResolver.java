package dev.shardline.spring.spi;

import dev.shardline.spring.internal.TenantResolvers;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Optional;

/**
 * Finds the tenant of a web request; the starter runs the request in that tenant's context
 * ({@code Tenants.run}). Declare a bean of this type to replace the configured sources.
 */
@FunctionalInterface
public interface TenantResolver {
    /** Returns the request's tenant id, or empty when this resolver cannot tell. */
    Optional<String> resolve(HttpServletRequest request);

    /** Returns a resolver reading the request header {@code name}. */
    static TenantResolver header(String name) {
        return TenantResolvers.header(name);
    }

    /** Returns a resolver reading {@code variable} of a path pattern such as {@code /tenants/{tenant}/**}. */
    static TenantResolver pathVariable(String pattern, String variable) {
        return TenantResolvers.pathVariable(pattern, variable);
    }

    /** Returns a resolver taking the authenticated principal's name (Spring Security or the container). */
    static TenantResolver principal() {
        return TenantResolvers.principal();
    }

    /** Returns a resolver asking {@code resolvers} in order; the first answer wins. */
    static TenantResolver firstOf(List<TenantResolver> resolvers) {
        List<TenantResolver> copy = List.copyOf(resolvers);
        return request -> copy.stream()
                .map(r -> r.resolve(request))
                .flatMap(Optional::stream)
                .findFirst();
    }
}
