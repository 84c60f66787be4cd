package dev.shardline.cdc.internal;

import dev.shardline.cdc.spi.ChangeBatch;
import dev.shardline.cdc.spi.ChangeEvent;
import dev.shardline.cdc.spi.ChangeSink;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.List;

/**
 * One OpenTelemetry span per batch a shard's sink stage applies, {@code shardline cdc batch}: the
 * shard ({@code shardline.shard}), the number of changes ({@code shardline.cdc.events}), the LSN
 * range of the changes ({@code shardline.cdc.lsn.first}/{@code .last}, the commit LSN of the
 * batch's resume offset in {@code shardline.cdc.offset.commit_lsn}), the sinks of the stage, and
 * one {@code sink error} event per failed attempt naming the sink (not the message, which may quote
 * row values). With two stages per shard (invalidating sinks, then the
 * offset-storing sinks on their own thread) a batch has one span per stage. Batches are root
 * spans: what caused them (the commits) happened in other processes. With no SDK installed the
 * spans are the API's no-op ones.
 */
public final class BatchTracing {
    static final String SCOPE = "dev.shardline.cdc";
    static final AttributeKey<String> SHARD = AttributeKey.stringKey("shardline.shard");
    static final AttributeKey<Long> EVENTS = AttributeKey.longKey("shardline.cdc.events");
    static final AttributeKey<Long> FIRST_LSN = AttributeKey.longKey("shardline.cdc.lsn.first");
    static final AttributeKey<Long> LAST_LSN = AttributeKey.longKey("shardline.cdc.lsn.last");
    static final AttributeKey<Long> OFFSET_COMMIT_LSN = AttributeKey.longKey("shardline.cdc.offset.commit_lsn");
    static final AttributeKey<List<String>> SINKS = AttributeKey.stringArrayKey("shardline.cdc.sinks");
    static final AttributeKey<Boolean> SNAPSHOT = AttributeKey.booleanKey("shardline.cdc.snapshot");
    private static final AttributeKey<String> SINK = AttributeKey.stringKey("shardline.cdc.sink");
    private static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");
    private static final Tracer NOOP = OpenTelemetry.noop().getTracer(SCOPE);

    private final OpenTelemetry given;
    private volatile Tracer tracer;

    /** With {@code otel} null, the global OpenTelemetry once one is installed (never freezing it to no-op before). */
    public BatchTracing(OpenTelemetry otel) {
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

    /** Runs {@code deliver} (every sink of {@code sinks} applying {@code batch}) inside the batch's span. */
    void batch(ChangeBatch batch, List<ChangeSink> sinks, Runnable deliver) {
        Tracer t = tracer();
        if (t == NOOP) {
            deliver.run();
            return;
        }
        Span span = t.spanBuilder("shardline cdc batch").setNoParent().startSpan();
        if (!span.isRecording()) {
            deliver.run();
            return;
        }
        span.setAttribute(SHARD, batch.shard());
        span.setAttribute(EVENTS, (long) batch.events().size());
        span.setAttribute(SINKS, sinks.stream().map(ChangeSink::name).toList());
        span.setAttribute(OFFSET_COMMIT_LSN, batch.offsetPosition().commitLsn());
        if (!batch.events().isEmpty()) {
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            boolean snapshot = false;
            for (ChangeEvent e : batch.events()) {
                first = Math.min(first, e.position().lsn());
                last = Math.max(last, e.position().lsn());
                snapshot |= e.snapshot();
            }
            span.setAttribute(FIRST_LSN, first);
            span.setAttribute(LAST_LSN, last);
            if (snapshot) span.setAttribute(SNAPSHOT, true);
        }
        try (Scope ignored = span.makeCurrent()) {
            deliver.run();
        } catch (RuntimeException | Error e) {
            span.addEvent(
                    "exception", Attributes.of(EXCEPTION_TYPE, e.getClass().getName()));
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }

    /** Records a failed attempt of {@code sink} on the current batch's span (a no-op outside one). */
    static void sinkError(String sink) {
        Span span = Span.current();
        if (span.isRecording()) span.addEvent("sink error", Attributes.of(SINK, sink));
    }
}
