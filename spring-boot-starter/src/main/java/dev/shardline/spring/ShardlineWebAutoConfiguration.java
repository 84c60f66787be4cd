package dev.shardline.spring;

import dev.shardline.spring.internal.TenantFilter;
import dev.shardline.spring.spi.TenantResolver;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Runs every servlet request in its tenant's context. The tenant comes from a {@link TenantResolver}
 * bean, by default built from {@code spring.shardline.tenant.*} (header, path pattern, principal).
 */
@AutoConfiguration(after = ShardlineAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(OncePerRequestFilter.class)
@ConditionalOnProperty(prefix = "spring.shardline", name = "config")
@EnableConfigurationProperties(ShardlineProperties.class)
public class ShardlineWebAutoConfiguration {
    /** Runs after Spring Security's filter chain (order -100), so the principal is known. */
    public static final int FILTER_ORDER = -90;

    @Bean
    @ConditionalOnMissingBean
    public TenantResolver shardlineTenantResolver(ShardlineProperties props) {
        ShardlineProperties.Tenant t = props.tenant();
        List<TenantResolver> sources = new ArrayList<>();
        if (!t.header().isBlank()) sources.add(TenantResolver.header(t.header()));
        if (!t.pathPattern().isBlank()) sources.add(TenantResolver.pathVariable(t.pathPattern(), t.pathVariable()));
        if (t.principal()) sources.add(TenantResolver.principal());
        return TenantResolver.firstOf(sources);
    }

    @Bean
    @ConditionalOnMissingBean(name = "shardlineTenantFilter")
    public FilterRegistrationBean<TenantFilter> shardlineTenantFilter(
            TenantResolver resolver, ShardlineProperties props) {
        FilterRegistrationBean<TenantFilter> reg = new FilterRegistrationBean<>(
                new TenantFilter(resolver, props.tenant().required()));
        reg.setName("shardlineTenantFilter");
        reg.setOrder(FILTER_ORDER);
        return reg;
    }
}
