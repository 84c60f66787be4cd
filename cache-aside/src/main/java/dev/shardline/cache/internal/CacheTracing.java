package dev.shardline.cache.internal;

import dev.shardline.cache.BulkLoader;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.CacheLoader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Measurement;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.Collection;

/**
 * OpenTelemetry spans of one cache: {@code shardline cache get} per {@code get} (attributes
 * {@code shardline.cache.name}, {@code shardline.cache.namespace} and the outcome
 * {@code shardline.cache.outcome} = hit, miss or stale), {@code shardline cache getAll} per bulk
 * get (hit and miss counts), and a child {@code shardline cache load} around each loader call made
 * for it. Fills the version rules refused ({@code shardline.cache.fill.refused}), Redis errors, lock
 * waits and bulkhead refusals are marked on the get's span. Only the key's namespace is recorded:
 * never its tenant or id, never a value.
 *
 * <p>The outcome comes from the cache's own counters ({@link #traced}): whatever increments
 * {@code cache.hits} or {@code cache.misses} also marks the open get span, so the span and the
 * metrics cannot disagree and the read path needs no second set of calls. With no SDK installed
 * the spans are the API's no-op ones and nothing is marked.
 */
public final class CacheTracing {
    static final String SCOPE = "dev.shardline.cache";
    static final AttributeKey<String> NAME = AttributeKey.stringKey("shardline.cache.name");
    static final AttributeKey<String> NAMESPACE = AttributeKey.stringKey("shardline.cache.namespace");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("shardline.cache.outcome");
    static final AttributeKey<Long> KEYS = AttributeKey.longKey("shardline.cache.keys");
    static final AttributeKey<Long> HITS = AttributeKey.longKey("shardline.cache.hits");
    static final AttributeKey<Long> MISSES = AttributeKey.longKey("shardline.cache.misses");
    static final AttributeKey<Boolean> FILL_REFUSED = AttributeKey.booleanKey("shardline.cache.fill.refused");
    static final AttributeKey<Boolean> REDIS_ERROR = AttributeKey.booleanKey("shardline.cache.redis.error");
    static final AttributeKey<Long> LOCK_WAITS = AttributeKey.longKey("shardline.cache.lock.waits");
    static final AttributeKey<Boolean> OVERLOADED = AttributeKey.booleanKey("shardline.cache.overloaded");
    private static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");
    private static final ContextKey<Marks> CURRENT = ContextKey.named("shardline.cache.get");
    private static final Tracer NOOP = OpenTelemetry.noop().getTracer(SCOPE);

    /** What a counter increment means for the open get span. */
    enum Mark {
        HIT,
        MISS,
        STALE,
        FILL_REFUSED,
        REDIS_ERROR,
        LOCK_WAIT,
        OVERLOADED
    }

    private final String name;
    private final OpenTelemetry given;
    private volatile Tracer tracer;

    /** With {@code otel} null, the global OpenTelemetry once one is installed (never freezing it to no-op before). */
    public CacheTracing(String name, OpenTelemetry otel) {
        this.name = name;
        this.given = otel;
    }

    private Tracer tracer() {
        Tracer t = tracer;
        if (t != null) return t;
        // getOrNoop, not get: get() would install the no-op as the global for good (a later set fails).
        OpenTelemetry otel = given != null ? given : GlobalOpenTelemetry.getOrNoop();
        if (otel == OpenTelemetry.noop()) return NOOP; // nothing installed yet: ask again next time
        t = otel.getTracer(SCOPE);
        tracer = t;
        return t;
    }

    /** Runs one {@code get} of {@code key} inside its span; {@code loader} is traced as its load. */
    public <T> T get(CacheKey key, CacheLoader<T> loader, java.util.function.Function<CacheLoader<T>, T> get) {
        Tracer t = tracer();
        if (t == NOOP) return get.apply(loader);
        Span span = t.spanBuilder("shardline cache get").startSpan();
        if (!span.isRecording()) return get.apply(loader);
        span.setAttribute(NAME, name);
        span.setAttribute(NAMESPACE, key.namespace());
        Marks marks = new Marks();
        try (Scope ignored = Context.current().with(span).with(CURRENT, marks).makeCurrent()) {
            return get.apply(() -> load(key.namespace(), 1, loader::load));
        } catch (RuntimeException | Error e) {
            failed(span, e);
            throw e;
        } finally {
            marks.endGet(span);
        }
    }

    /** Runs one {@code getAll} of {@code keys} inside its span; {@code loader} is traced as its load. */
    public <T, R> R getAll(
            Collection<CacheKey> keys, BulkLoader<T> loader, java.util.function.Function<BulkLoader<T>, R> getAll) {
        Tracer t = tracer();
        if (t == NOOP) return getAll.apply(loader);
        Span span = t.spanBuilder("shardline cache getAll").startSpan();
        if (!span.isRecording()) return getAll.apply(loader);
        span.setAttribute(NAME, name);
        span.setAttribute(KEYS, (long) keys.size());
        String ns = keys.stream()
                .map(CacheKey::namespace)
                .distinct()
                .reduce((a, b) -> a.equals(b) ? a : "*")
                .orElse(null);
        if (ns != null) span.setAttribute(NAMESPACE, ns);
        Marks marks = new Marks();
        try (Scope ignored = Context.current().with(span).with(CURRENT, marks).makeCurrent()) {
            return getAll.apply(missing -> load(ns, missing.size(), () -> loader.load(missing)));
        } catch (RuntimeException | Error e) {
            failed(span, e);
            throw e;
        } finally {
            marks.endGetAll(span);
        }
    }

    private <V> V load(String namespace, int keys, java.util.concurrent.Callable<V> load) throws Exception {
        Span span = tracer().spanBuilder("shardline cache load").startSpan();
        if (!span.isRecording()) return load.call();
        span.setAttribute(NAME, name);
        if (namespace != null) span.setAttribute(NAMESPACE, namespace);
        span.setAttribute(KEYS, (long) keys);
        try (Scope ignored = span.makeCurrent()) {
            return load.call();
        } catch (Exception | Error e) {
            failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** The exception's type only: messages of loaders and Redis may quote keys and values. */
    private static void failed(Span span, Throwable e) {
        span.addEvent("exception", Attributes.of(EXCEPTION_TYPE, e.getClass().getName()));
        span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
    }

    /** Returns {@code counter}, which also marks the open get span with {@code mark} on every increment. */
    public static Counter traced(Counter counter, Mark mark) {
        return new MarkingCounter(counter, mark);
    }

    /** What the counters said during one get. */
    private static final class Marks {
        long hits;
        long misses;
        boolean stale;
        boolean fillRefused;
        boolean redisError;
        long lockWaits;
        boolean overloaded;

        synchronized void mark(Mark m, double amount) {
            long n = (long) amount;
            switch (m) {
                case HIT -> hits += n;
                case MISS -> misses += n;
                case STALE -> stale = true;
                case FILL_REFUSED -> fillRefused = true;
                case REDIS_ERROR -> redisError = true;
                case LOCK_WAIT -> lockWaits += n;
                case OVERLOADED -> overloaded = true;
            }
        }

        synchronized void endGet(Span span) {
            String outcome = stale ? "stale" : misses > 0 ? "miss" : hits > 0 ? "hit" : null;
            if (outcome != null) span.setAttribute(OUTCOME, outcome);
            common(span);
        }

        synchronized void endGetAll(Span span) {
            span.setAttribute(HITS, hits);
            span.setAttribute(MISSES, misses);
            if (stale) span.setAttribute(OUTCOME, "stale");
            common(span);
        }

        private void common(Span span) {
            if (fillRefused) span.setAttribute(FILL_REFUSED, true);
            if (redisError) span.setAttribute(REDIS_ERROR, true);
            if (lockWaits > 0) span.setAttribute(LOCK_WAITS, lockWaits);
            if (overloaded) span.setAttribute(OVERLOADED, true);
            span.end();
        }
    }

    /** A counter that marks the get span open on the incrementing thread (none outside a traced get). */
    private record MarkingCounter(Counter counter, Mark mark) implements Counter {
        @Override
        public void increment(double amount) {
            counter.increment(amount);
            Marks marks = Context.current().get(CURRENT);
            if (marks != null) marks.mark(mark, amount);
        }

        @Override
        public double count() {
            return counter.count();
        }

        @Override
        public Id getId() {
            return counter.getId();
        }

        @Override
        public Iterable<Measurement> measure() {
            return counter.measure();
        }
    }
}
