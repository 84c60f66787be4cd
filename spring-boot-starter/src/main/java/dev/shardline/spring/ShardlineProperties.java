package dev.shardline.spring;

import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the Shardline starter under {@code spring.shardline}. Everything about shards,
 * routing and the cache stays in {@code shardline.yaml}; these only say where that file is and how
 * a web request names its tenant.
 *
 * @param config path of the {@code shardline.yaml} to build the DataSource from; nothing is configured without it
 * @param tenant how each web request's tenant is found
 * @param cache the Spring Cache abstraction on Shardline's cache-aside
 * @param tracing OpenTelemetry spans of routed statements (routing-core's, on the application's OpenTelemetry bean)
 */
@ConfigurationProperties("spring.shardline")
public record ShardlineProperties(
        Path config,
        @DefaultValue Tenant tenant,
        @DefaultValue Cache cache,
        @DefaultValue Tracing tracing) {

    /**
     * How a request's tenant is resolved; the first source that yields one wins, in the order header,
     * path, principal.
     *
     * @param header request header holding the tenant id; empty to ignore headers
     * @param pathPattern a path pattern such as {@code /tenants/{tenant}/**}; empty to ignore the path
     * @param pathVariable the variable of {@code pathPattern} holding the tenant
     * @param principal whether the authenticated principal's name is the tenant (Spring Security or the servlet container)
     * @param required whether a request without a tenant is refused with 400 instead of running without a tenant context
     */
    public record Tenant(
            @DefaultValue("X-Tenant-Id") String header,
            @DefaultValue("") String pathPattern,
            @DefaultValue("tenant") String pathVariable,
            @DefaultValue("false") boolean principal,
            @DefaultValue("false") boolean required) {}

    /**
     * The Spring {@code CacheManager} backed by cache-aside; created when {@code shardline.yaml} has
     * a {@code cache.redis} section.
     *
     * @param enabled whether to create the CacheManager at all
     * @param trustedPackages packages of cached value types besides the application's own and {@code java.*}
     */
    public record Cache(
            @DefaultValue("true") boolean enabled,
            @DefaultValue List<String> trustedPackages) {}

    /**
     * Spans per routed statement.
     *
     * @param enabled whether statements are traced at all (false: no statement spans, not even with a global OpenTelemetry)
     * @param tenant whether spans carry the tenant id ({@code shardline.tenant}); off by default, tenant ids may be personal data
     */
    public record Tracing(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("false") boolean tenant) {}
}
