package dev.shardline.spring.internal;

import dev.shardline.routing.Tenants;
import dev.shardline.spring.spi.TenantResolver;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Runs each request in its tenant's context, so statements without the tenant key in SQL route to
 * the tenant's shard. Ordered after Spring Security's filter chain, so the principal is known.
 */
public final class TenantFilter extends OncePerRequestFilter {
    private final TenantResolver resolver;
    private final boolean required;

    public TenantFilter(TenantResolver resolver, boolean required) {
        this.resolver = resolver;
        this.required = required;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<String> tenant = resolver.resolve(request);
        if (tenant.isEmpty()) {
            if (required) {
                response.sendError(
                        HttpServletResponse.SC_BAD_REQUEST,
                        "shardline - this request names no tenant; send it in the configured header, path or principal");
                return;
            }
            chain.doFilter(request, response);
            return;
        }
        try {
            Tenants.run(tenant.get(), () -> chain.doFilter(request, response));
        } catch (ServletException | IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new ServletException(e);
        }
    }
}
