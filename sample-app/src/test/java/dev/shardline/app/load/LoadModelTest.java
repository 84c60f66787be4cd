package dev.shardline.app.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LoadModelTest {
    @Test
    void zipf_exponent11_topKeyTakesItsShare() {
        Zipf z = new Zipf(1000, 1.1);
        SplittableRandom rnd = new SplittableRandom(1);
        int[] hits = new int[1000];
        for (int i = 0; i < 200_000; i++) hits[z.next(rnd)]++;
        double expectedTop = 1.0
                / java.util.stream.IntStream.rangeClosed(1, 1000)
                        .mapToDouble(k -> Math.pow(k, -1.1))
                        .sum();
        assertThat(hits[0] / 200_000.0).isCloseTo(expectedTop, org.assertj.core.data.Offset.offset(0.01));
        assertThat(hits[0]).isGreaterThan(hits[1]).isGreaterThan(hits[10]);
    }

    @Test
    void settings_burstWindow_multipliesRate() {
        LoadSettings s = new LoadSettings(
                10, 5, 1.1, 0.85, 30, 20, Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(30), 8);
        assertThat(s.rpsAt(9.9)).isEqualTo(30);
        assertThat(s.rpsAt(10)).isEqualTo(600);
        assertThat(s.rpsAt(12.9)).isEqualTo(600);
        assertThat(s.rpsAt(13)).isEqualTo(30);
        assertThatThrownBy(() -> new LoadSettings(
                        10, 5, 1.1, 1.5, 30, 20, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), 1))
                .hasMessageContaining("readShare must be within 0..1, was 1.5");
    }

    @Test
    void timeline_quantiles_perSecondAndOverall() {
        Timeline tl = new Timeline(2);
        for (int i = 1; i <= 100; i++) tl.latency("read", 0, i * 1000);
        tl.latency("read", 1, 500_000);
        // HdrHistogram: per-second figures to 2 significant digits, whole-run figures to 3.
        assertThat(tl.quantileMs("read", 0, 0.95)).isCloseTo(95.0, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(tl.quantileMs("read", 0.99)).isCloseTo(100.0, org.assertj.core.data.Percentage.withPercentage(0.1));
        assertThat(tl.requests("read")).isEqualTo(101);
        assertThat(tl.quantileMs("write", 0.5)).isNaN();
    }

    @Test
    void report_hasChartsFaultsAndEscapedText() throws Exception {
        Timeline tl = new Timeline(5);
        tl.latency("read", 1, 1500);
        tl.count("errors", 2);
        tl.fault(2.5, "kill <replica>");
        tl.gauge("cache hit ratio", 3, 0.9);
        Path f = HtmlReport.write(
                Files.createTempDirectory("report").resolve("r.html"), "Run & test", tl, HtmlReport.summary(tl));
        String html = Files.readString(f);
        assertThat(html)
                .contains("<svg")
                .contains("kill &lt;replica&gt;")
                .contains("Run &amp; test")
                .contains("cache hit ratio")
                .doesNotContain("<script");
        assertThat(html.split("<svg", -1)).hasSize(4);
    }
}
