package dev.shardline.routing.internal;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;

/**
 * The tracer statements are traced with: the given {@link OpenTelemetry}'s, or else the global
 * one's once the application (or the Java agent) has installed it. Until then the no-op tracer is
 * used without calling {@link GlobalOpenTelemetry#get()}, because that call would freeze the
 * global to no-op and make the application's later {@code GlobalOpenTelemetry.set} fail.
 */
final class TracerSource {
  static final String SCOPE = "dev.shardline.routing";
  private static final Tracer NOOP = OpenTelemetry.noop().getTracer(SCOPE);

  private final OpenTelemetry given;
  private volatile Tracer tracer;

  TracerSource(OpenTelemetry given) {
    this.given = given;
  }

  Tracer get() {
    Tracer t = tracer;
    if (t != null) return t;
    if (given != null) {
      t = given.getTracer(SCOPE);
    } else if (GlobalOpenTelemetry.isSet()) {
      t = GlobalOpenTelemetry.getTracer(SCOPE);
    } else {
      return NOOP;
    }
    tracer = t;
    return t;
  }
}
