package dev.shardline.spring.internal;

import dev.shardline.spring.spi.TenantResolver;
import java.security.Principal;
import java.util.Optional;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/** The built-in tenant sources behind {@link TenantResolver}'s factories. */
public final class TenantResolvers {
    private TenantResolvers() {}

    public static TenantResolver header(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("tenant header name must not be blank");
        return request -> nonBlank(request.getHeader(name));
    }

    public static TenantResolver pathVariable(String pattern, String variable) {
        // Parsed once here: a filter runs before Spring MVC has matched the handler and its variables.
        PathPattern parsed = PathPatternParser.defaultInstance.parse(pattern);
        if (!pattern.contains("{" + variable + "}")) {
            throw new IllegalArgumentException("spring.shardline.tenant.path-pattern '" + pattern + "' has no {"
                    + variable + "} variable; add it or set spring.shardline.tenant.path-variable");
        }
        return request -> {
            String path =
                    request.getRequestURI().substring(request.getContextPath().length());
            PathPattern.PathMatchInfo info = parsed.matchAndExtract(PathContainer.parsePath(path));
            return info == null
                    ? Optional.empty()
                    : nonBlank(info.getUriVariables().get(variable));
        };
    }

    public static TenantResolver principal() {
        return request -> {
            Principal p = request.getUserPrincipal();
            return p == null ? Optional.empty() : nonBlank(p.getName());
        };
    }

    private static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.trim());
    }
}
