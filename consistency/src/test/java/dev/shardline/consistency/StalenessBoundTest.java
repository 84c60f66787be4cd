package dev.shardline.consistency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StalenessBoundTest {
    private static final List<long[]> SAMPLES =
            List.of(new long[] {1_000, 100}, new long[] {20_000, 2_000}, new long[] {40_000, 50});

    @Test
    void at_lagSamplesWithinWindowEitherSide_largestCounts() {
        StalenessBound b = StalenessBound.measured(SAMPLES, List.of());
        assertThat(b.at(16_000)).as("the 2 s sample 4 s later").isEqualTo(2_000 + StalenessBound.SLACK_MS);
        assertThat(b.at(24_000)).as("the 2 s sample 4 s earlier").isEqualTo(2_000 + StalenessBound.SLACK_MS);
        assertThat(b.at(30_000)).as("no sample within 5 s").isEqualTo(StalenessBound.SLACK_MS);
        assertThat(b.at(41_000)).isEqualTo(50 + StalenessBound.SLACK_MS);
    }

    @Test
    void at_inOutageOrItsCatchUp_addsTimeSinceOutageBegan() {
        StalenessBound b = StalenessBound.measured(List.of(), List.<long[]>of(new long[] {100_000, 110_000}));
        assertThat(b.at(99_000)).isEqualTo(StalenessBound.SLACK_MS);
        assertThat(b.at(105_000)).isEqualTo(5_000 + StalenessBound.SLACK_MS);
        assertThat(b.at(121_000))
                .as("catch-up: as long again as the outage + 2 s")
                .isEqualTo(21_000 + 500);
        assertThat(b.at(122_001)).isEqualTo(StalenessBound.SLACK_MS);
    }

    @Test
    void worst_largestLagPlusLongestOutage() {
        StalenessBound b =
                StalenessBound.measured(SAMPLES, List.of(new long[] {0, 3_000}, new long[] {50_000, 57_000}));
        assertThat(b.worst()).isEqualTo(2_000 + 7_000 + StalenessBound.SLACK_MS);
        assertThat(StalenessBound.fixed(1234).at(5)).isEqualTo(1234);
        assertThat(StalenessBound.fixed(1234).worst()).isEqualTo(1234);
    }

    @Test
    void measured_outageEndingBeforeStart_rejected() {
        assertThatThrownBy(() -> StalenessBound.measured(List.of(), List.<long[]>of(new long[] {5, 4})))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
