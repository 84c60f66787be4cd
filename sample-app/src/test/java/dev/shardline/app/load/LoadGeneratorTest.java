package dev.shardline.app.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Latency is measured from each request's scheduled send time, so a stall is charged to every request it delayed. */
class LoadGeneratorTest {
    private static LoadSettings settings(int rps, Duration duration, int concurrency) {
        return new LoadSettings(1, 1, 1.1, 1.0, rps, 1, Duration.ZERO, Duration.ZERO, duration, concurrency);
    }

    @Test
    void run_serverStallsOnce_requestsScheduledDuringTheStallShowIt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        // One worker, 100 requests/s; the 50th request hangs for 600 ms and the others answer at once.
        // The requests scheduled during the hang wait in the client's queue: measured from their
        // scheduled time they took (at least) the rest of the stall; measured from when a worker
        // picked them up, they would look instant and only the hanging request would be slow.
        LoadGenerator.Transport stallingServer = req -> {
            if (calls.incrementAndGet() == 50) Thread.sleep(600);
            return 200;
        };
        LoadGenerator gen = new LoadGenerator(
                URI.create("http://127.0.0.1:9"), settings(100, Duration.ofSeconds(2), 1), stallingServer);

        Timeline tl = gen.run(List.of("tenant-0/1"));

        assertThat(calls.get()).isGreaterThan(60);
        assertThat(tl.requestsSlowerThan("read", 300_000))
                .as("requests delayed 300 ms or more")
                .isGreaterThanOrEqualTo(4);
        assertThat(tl.quantileMs("read", 1.0)).isGreaterThanOrEqualTo(600);
    }

    @Test
    void schedule_dueNanos_isWhenDueByFirstCountsTheRequest() {
        LoadSettings s = new LoadSettings(
                1, 1, 1.1, 1.0, 10, 5, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(3), 1);
        Schedule schedule = new Schedule(s);
        assertThat(schedule.dueBy(1.0)).isEqualTo(10);
        assertThat(schedule.dueBy(2.0)).isEqualTo(60);
        for (long n = 0; n < 70; n++) {
            double at = schedule.dueNanos(n) / 1e9;
            assertThat(schedule.dueBy(at))
                    .as("due by the time of request %d", n)
                    .isGreaterThan(n);
            assertThat(schedule.dueBy(at - 1e-6))
                    .as("not due just before request %d", n)
                    .isLessThanOrEqualTo(n);
        }
        assertThat(schedule.dueNanos(0)).isEqualTo(100_000_000L);
        assertThat(schedule.dueNanos(10)).isEqualTo(1_020_000_000L);
    }
}
