package dev.shardline.app;

import com.sun.net.httpserver.HttpExchange;
import dev.shardline.config.ShardlineConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * A SERVER span per request of the orders service, continuing the caller's W3C trace context and
 * naming the shard the tenant lives on ({@code shardline.shard}, from the bucket map; the tenant
 * itself is not recorded). {@link #NONE} costs nothing.
 */
final class RequestTracing {
    static final RequestTracing NONE = new RequestTracing(OpenTelemetry.noop(), null);

    private static final TextMapGetter<HttpExchange> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpExchange ex) {
            return ex.getRequestHeaders().keySet();
        }

        @Override
        public String get(HttpExchange ex, String key) {
            return ex == null ? null : ex.getRequestHeaders().getFirst(key);
        }
    };

    private final OpenTelemetry otel;
    private final Tracer tracer;
    private final ShardlineConfig config;

    RequestTracing(OpenTelemetry otel, ShardlineConfig config) {
        this.otel = otel;
        this.tracer = otel.getTracer("dev.shardline.app");
        this.config = config;
    }

    /** One request's span, current on the handling thread until {@link #end}. */
    final class Request {
        private final Span span;
        private final String method;
        private final Scope scope;

        private Request(Span span, String method) {
            this.span = span;
            this.method = method;
            this.scope = span.makeCurrent();
        }

        void end(String route, String tenant, int status) {
            span.updateName(method + " " + route);
            span.setAttribute("http.route", route);
            span.setAttribute("http.response.status_code", status);
            if (tenant != null && config != null) {
                span.setAttribute(
                        "shardline.shard",
                        config.shards()
                                .get(config.buckets().shardIndexOf(tenant))
                                .name());
            }
            if (status >= 500) span.setStatus(StatusCode.ERROR);
            scope.close();
            span.end();
        }
    }

    Request start(HttpExchange ex) {
        Context parent = otel.getPropagators().getTextMapPropagator().extract(Context.current(), ex, HEADERS);
        Span span = tracer.spanBuilder(ex.getRequestMethod())
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", ex.getRequestMethod())
                .startSpan();
        return new Request(span, ex.getRequestMethod());
    }
}
