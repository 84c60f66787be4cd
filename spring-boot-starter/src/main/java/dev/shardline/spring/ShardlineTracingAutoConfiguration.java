package dev.shardline.spring;

import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.spring.internal.ServerSpanFilter;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * A W3C-continuing SERVER span per request when the application has an {@link OpenTelemetry}
 * bean and nothing else traces requests (no Micrometer Tracing), so the statement spans that
 * routing-core opens (the DataSource is built with the same bean, see
 * {@link ShardlineAutoConfiguration}) join the caller's trace. Off with
 * {@code spring.shardline.tracing.enabled=false}.
 */
@AutoConfiguration(after = ShardlineAutoConfiguration.class)
@ConditionalOnBean({OpenTelemetry.class, ShardlineDataSource.class})
@ConditionalOnProperty(prefix = "spring.shardline.tracing", name = "enabled", matchIfMissing = true)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnMissingClass("io.micrometer.tracing.Tracer")
public class ShardlineTracingAutoConfiguration {

    /** Runs just before the tenant filter, so the tenant's statements are inside the server span. */
    @Bean
    @ConditionalOnMissingBean(name = "shardlineServerSpanFilter")
    FilterRegistrationBean<ServerSpanFilter> shardlineServerSpanFilter(OpenTelemetry otel) {
        FilterRegistrationBean<ServerSpanFilter> reg = new FilterRegistrationBean<>(new ServerSpanFilter(otel));
        reg.setName("shardlineServerSpanFilter");
        reg.setOrder(ShardlineWebAutoConfiguration.FILTER_ORDER - 5);
        return reg;
    }
}
