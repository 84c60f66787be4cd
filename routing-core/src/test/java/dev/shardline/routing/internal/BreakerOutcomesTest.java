package dev.shardline.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.sql.SQLException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BreakerOutcomesTest {
    private static CircuitBreaker breaker(String name) {
        // EndpointPool's configuration (defaults: 50 %, 5 calls, a window of 20).
        return CircuitBreaker.of(
                name,
                CircuitBreakerConfig.custom()
                        .failureRateThreshold(50)
                        .minimumNumberOfCalls(5)
                        .slidingWindowSize(20)
                        .waitDurationInOpenState(Duration.ofHours(1))
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .automaticTransitionFromOpenToHalfOpenEnabled(false)
                        .slidingWindowSynchronizationStrategy(
                                CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                        .build());
    }

    @Test
    void heldBackSuccesses_decideExactlyAsEveryOutcomeRecorded() {
        double[] failureRates = {0.0005, 0.01, 0.05, 0.2, 0.45, 0.6};
        int opened = 0;
        for (long seed = 1; seed <= 40; seed++) {
            for (double p : failureRates) {
                SplittableRandom rnd = new SplittableRandom(seed);
                CircuitBreaker reference = breaker("reference");
                CircuitBreaker held = breaker("held");
                BreakerOutcomes outcomes = new BreakerOutcomes(held);
                for (int step = 0; step < 3_000; step++) {
                    if (reference.getState() == CircuitBreaker.State.OPEN && rnd.nextInt(50) == 0) {
                        reference.transitionToHalfOpenState();
                        held.transitionToHalfOpenState();
                    }
                    boolean permitted = reference.tryAcquirePermission();
                    assertThat(held.tryAcquirePermission())
                            .as("permission at step %d (seed %d, p %s)", step, seed, p)
                            .isEqualTo(permitted);
                    if (!permitted) continue;
                    // Failures come in bursts too: an outage is several failures in a row.
                    boolean fail = rnd.nextDouble() < p || (step % 500 > 490 && rnd.nextBoolean());
                    if (fail) {
                        SQLException e = new SQLException("down");
                        reference.onError(1, TimeUnit.NANOSECONDS, e);
                        outcomes.failure(1, e);
                    } else {
                        reference.onSuccess(1, TimeUnit.NANOSECONDS);
                        outcomes.success(1);
                    }
                    assertThat(held.getState())
                            .as("state after step %d (seed %d, p %s)", step, seed, p)
                            .isEqualTo(reference.getState());
                    if (held.getMetrics().getNumberOfFailedCalls() > 0) {
                        assertThat(held.getMetrics().getFailureRate())
                                .as("failure rate after step %d (seed %d, p %s)", step, seed, p)
                                .isEqualTo(reference.getMetrics().getFailureRate());
                    }
                }
                if (reference.getState() != CircuitBreaker.State.CLOSED) opened++;
            }
        }
        assertThat(opened)
                .as("the sequences must open the breaker often enough to test it")
                .isGreaterThan(20);
    }

    @Test
    void success_closedWithoutFailures_recordsNothingInTheWindow() {
        CircuitBreaker held = breaker("held");
        BreakerOutcomes outcomes = new BreakerOutcomes(held);
        for (int i = 0; i < 1_000; i++) outcomes.success(1);
        assertThat(held.getMetrics().getNumberOfBufferedCalls()).isZero();
        outcomes.failure(1, new SQLException("down"));
        assertThat(held.getMetrics().getNumberOfBufferedCalls()).isEqualTo(20);
        assertThat(held.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
    }
}
