package dev.shardline.spring;

import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.spring.internal.ServerSpanFilter;
import dev.shardline.spring.internal.TracingDataSource;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * OpenTelemetry spans for routed statements when the application has an {@link OpenTelemetry}
 * bean (the SDK, the Boot starter or the agent's): the DataSource the application uses becomes a
 * tracing view of the sharded one. Off with {@code spring.shardline.tracing.enabled=false}.
 */
@AutoConfiguration(after = ShardlineAutoConfiguration.class)
@ConditionalOnClass(name = "io.opentelemetry.api.OpenTelemetry")
@ConditionalOnBean({OpenTelemetry.class, ShardlineDataSource.class})
@ConditionalOnProperty(prefix = "spring.shardline.tracing", name = "enabled", matchIfMissing = true)
public class ShardlineTracingAutoConfiguration {

  /** The DataSource that {@code JdbcTemplate}, JPA and Jdbi get: statements traced, routing unchanged. */
  @Bean
  @Primary
  @ConditionalOnMissingBean(TracingDataSource.class)
  public TracingDataSource shardlineTracingDataSource(ShardlineDataSource ds, OpenTelemetry otel, ShardlineProperties props) {
    return new TracingDataSource(ds, otel.getTracer("dev.shardline.routing"), props.tracing().tenant());
  }

  /** A W3C-continuing server span per request, unless Micrometer Tracing already makes them. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnMissingClass("io.micrometer.tracing.Tracer")
  static class ServerSpans {
    @Bean
    @ConditionalOnMissingBean(name = "shardlineServerSpanFilter")
    FilterRegistrationBean<ServerSpanFilter> shardlineServerSpanFilter(OpenTelemetry otel) {
      FilterRegistrationBean<ServerSpanFilter> reg = new FilterRegistrationBean<>(new ServerSpanFilter(otel));
      reg.setName("shardlineServerSpanFilter");
      reg.setOrder(ShardlineWebAutoConfiguration.FILTER_ORDER - 5);
      return reg;
    }
  }
}
