package dev.shardline.app.cli;

import dev.shardline.app.AppSettings;
import dev.shardline.app.DemoStack;
import dev.shardline.app.load.HtmlReport;
import dev.shardline.app.load.LoadGenerator;
import dev.shardline.app.load.LoadSettings;
import dev.shardline.app.load.Timeline;
import dev.shardline.config.Durations;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Load generator: against a running service ({@code --target}) or an embedded stack it starts itself. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Drive open-loop load (Zipf hot keys, read/write mix, one burst) and write an HTML report.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--target", description = "base URL of a running orders service; omitted: start the embedded stack")
    URI target;

    @Option(names = "--duration", defaultValue = "30s", description = "run length (default ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--rps", defaultValue = "30", description = "base request rate (default ${DEFAULT-VALUE})")
    int rps;

    @Option(names = "--tenants", defaultValue = "50", description = "tenants (default ${DEFAULT-VALUE})")
    int tenants;

    @Option(names = "--read-share", defaultValue = "0.85", description = "share of reads (default ${DEFAULT-VALUE})")
    double readShare;

    @Option(
            names = "--burst",
            defaultValue = "20",
            description = "burst factor over the base rate (default ${DEFAULT-VALUE})")
    double burst;

    @Option(
            names = "--zipf",
            defaultValue = "1.1",
            description = "Zipf exponent of key popularity (default ${DEFAULT-VALUE})")
    double zipf;

    @Option(
            names = "--report",
            defaultValue = "shardline-bench-report.html",
            description = "HTML report (default ${DEFAULT-VALUE})")
    Path report;

    @Override
    public Integer call() throws Exception {
        Duration d = Durations.parse(duration);
        long s = d.toSeconds();
        LoadSettings ls = new LoadSettings(
                tenants,
                20,
                zipf,
                readShare,
                rps,
                burst,
                Duration.ofSeconds(s / 3),
                Duration.ofSeconds(Math.max(1, s / 10)),
                d,
                64);
        if (target != null) return run(target, ls);
        try (DemoStack stack = DemoStack.start(
                2,
                null,
                AppSettings.ofDefaults().withPort(0).withRateLimit(100_000),
                m -> System.out.println("• " + m))) {
            return run(stack.service.baseUri(), ls);
        }
    }

    private int run(URI uri, LoadSettings ls) throws Exception {
        LoadGenerator gen = new LoadGenerator(uri, ls);
        List<String> keys = gen.seed();
        Timeline tl = gen.run(keys);
        Map<String, String> summary = HtmlReport.summary(tl);
        summary.forEach((k, v) -> System.out.println(k + ": " + v));
        System.out.println("report: "
                + HtmlReport.write(report, "Shardline load run", tl, summary).toAbsolutePath());
        return tl.total("errors") == 0 ? 0 : 1;
    }
}
