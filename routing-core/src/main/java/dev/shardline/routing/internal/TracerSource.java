package dev.shardline.routing.internal;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;

/**
 * The tracer statements are traced with: the given {@link OpenTelemetry}'s, or else the global
 * one's once the application (or the Java agent) has installed it. Until then the no-op tracer is
 * used, found through {@link GlobalOpenTelemetry#getOrNoop()}: {@link GlobalOpenTelemetry#get()}
 * would freeze the global to no-op and make the application's later
 * {@code GlobalOpenTelemetry.set} fail.
 */
final class TracerSource {
    static final String SCOPE = "dev.shardline.routing";
    static final Tracer NOOP = OpenTelemetry.noop().getTracer(SCOPE);

    private final OpenTelemetry given;
    private volatile Tracer tracer;

    TracerSource(OpenTelemetry given) {
        this.given = given;
    }

    Tracer get() {
        Tracer t = tracer;
        if (t != null) return t;
        // getOrNoop, not get: get() would install the no-op as the global for good (a later set fails).
        OpenTelemetry otel = given != null ? given : GlobalOpenTelemetry.getOrNoop();
        if (otel == OpenTelemetry.noop()) return NOOP; // nothing installed yet: ask again next time
        t = otel.getTracer(SCOPE);
        tracer = t;
        return t;
    }
}
