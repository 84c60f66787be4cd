package dev.shardline.routing.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Feeds a count-based circuit breaker every outcome it would decide on, but holds back successes
 * while they cannot change a decision: when the breaker is closed and its window holds no failure.
 *
 * <p>Why: every connection borrow records an outcome, and recording one in Resilience4j's lock-free
 * window copies the window's aggregation; on a single-thread Hibernate {@code find} that was about
 * 1 µs of a statement's client CPU. A count-based window holds the last {@code window} outcomes, so
 * the successes held back are replayed (at most {@code window} of them) just before the next
 * failure: the breaker then holds exactly the window it would have held with every success recorded,
 * and decides the same (the property {@code BreakerOutcomesTest} checks against a breaker fed
 * everything).
 */
final class BreakerOutcomes {
    private final CircuitBreaker breaker;
    private final int window;
    /** Outcomes recorded since the last failure; at {@code window} or more the window holds no failure. */
    private final AtomicInteger sinceFailure;

    private final AtomicInteger heldBack = new AtomicInteger();

    BreakerOutcomes(CircuitBreaker breaker) {
        this.breaker = breaker;
        this.window = breaker.getCircuitBreakerConfig().getSlidingWindowSize();
        if (breaker.getCircuitBreakerConfig().getSlidingWindowType()
                != io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType.COUNT_BASED) {
            throw new IllegalArgumentException("held-back successes are exact only for a count-based window");
        }
        this.sinceFailure = new AtomicInteger(window);
    }

    void success(long nanos) {
        if (sinceFailure.get() >= window && breaker.getState() == CircuitBreaker.State.CLOSED) {
            // Capped: more than a window's worth replays as a full window of successes.
            heldBack.getAndUpdate(n -> Math.min(n + 1, window));
            return;
        }
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        sinceFailure.incrementAndGet();
    }

    void failure(long nanos, Throwable error) {
        for (int n = heldBack.getAndSet(0); n > 0; n--) breaker.onSuccess(0, TimeUnit.NANOSECONDS);
        sinceFailure.set(0);
        breaker.onError(nanos, TimeUnit.NANOSECONDS, error);
    }
}
