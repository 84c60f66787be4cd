package dev.shardline.spring.internal;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A server span per request, continuing the caller's trace from its W3C {@code traceparent}
 * header (through the application's configured propagators), so statement spans join it. Only
 * registered when nothing else in the application traces requests (no Micrometer Tracing).
 */
public final class ServerSpanFilter extends OncePerRequestFilter {
    private static final TextMapGetter<HttpServletRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServletRequest r) {
            return Collections.list(r.getHeaderNames());
        }

        @Override
        public String get(HttpServletRequest r, String key) {
            return r == null ? null : r.getHeader(key);
        }
    };

    private final OpenTelemetry otel;
    private final Tracer tracer;

    public ServerSpanFilter(OpenTelemetry otel) {
        this.otel = otel;
        this.tracer = otel.getTracer("dev.shardline.spring");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Context parent = otel.getPropagators().getTextMapPropagator().extract(Context.current(), request, HEADERS);
        Span span = tracer.spanBuilder(request.getMethod() + " " + request.getRequestURI())
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", request.getMethod())
                .setAttribute("url.path", request.getRequestURI())
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            chain.doFilter(request, response);
            span.setAttribute("http.response.status_code", response.getStatus());
            if (response.getStatus() >= 500) span.setStatus(StatusCode.ERROR);
        } catch (IOException | ServletException | RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }
}
