package dev.shardline.app.cli;

import dev.shardline.app.AppSettings;
import dev.shardline.app.DemoStack;
import dev.shardline.app.load.HtmlReport;
import dev.shardline.app.load.LoadGenerator;
import dev.shardline.app.load.LoadSettings;
import dev.shardline.app.load.Timeline;
import dev.shardline.routing.EndpointStatus;
import dev.shardline.testkit.PgNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The one-command demo: embedded PostgreSQL shards and Redis, the orders service on Shardline, a
 * short load with a burst, a replica kill and a Redis kill, a summary table and an HTML report.
 * Exits non-zero if any request failed.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Run the whole stack on embedded servers, drive load with faults, print a summary and write an HTML report.")
public final class DemoCommand implements Callable<Integer> {
    @Option(
            names = "--duration",
            defaultValue = "30s",
            description = "load duration, e.g. 30s (default ${DEFAULT-VALUE})")
    String duration;

    @Option(
            names = "--shards",
            defaultValue = "2",
            description = "number of PostgreSQL shards (default ${DEFAULT-VALUE})")
    int shards;

    @Option(
            names = "--rps",
            defaultValue = "30",
            description = "base request rate; the burst is 20x (default ${DEFAULT-VALUE})")
    int rps;

    @Option(
            names = "--report",
            defaultValue = "shardline-demo-report.html",
            description = "HTML report path (default ${DEFAULT-VALUE})")
    Path report;

    @Option(names = "--no-faults", description = "skip the replica and Redis kills")
    boolean noFaults;

    @Override
    public Integer call() throws Exception {
        Duration d = dev.shardline.config.Durations.parse(duration);
        boolean tty = System.console() != null;
        try (DemoStack stack = DemoStack.start(
                shards,
                null,
                AppSettings.ofDefaults().withPort(0).withRateLimit(400),
                m -> System.out.println("• " + m))) {
            LoadSettings ls = LoadSettings.standard(d, rps);
            LoadGenerator gen = new LoadGenerator(stack.service.baseUri(), ls)
                    .gauge(
                            "healthy replicas",
                            () -> stack.shardline.health().stream()
                                    .filter(s -> s.role().equals("replica") && s.healthy())
                                    .count())
                    .gauge("cache hit ratio (cumulative)", stack::cacheHitRatio)
                    .gauge("orders not yet in analytics (CDC lag)", () -> {
                        long a = stack.analyticsOrders();
                        return a < 0 ? Double.NaN : Math.max(0, stack.sourceOrders() - a);
                    })
                    .onSecond(s -> progress(tty, s, d.toSeconds()));
            if (!noFaults) addFaults(gen, stack, d.toSeconds());
            System.out.println(
                    "• seeding " + ls.tenants() * ls.ordersPerTenant() + " orders over " + ls.tenants() + " tenants");
            List<String> keys = gen.seed();
            System.out.println("• load: " + rps + " req/s, 85% reads / 15% writes, burst x" + (int) ls.burstFactor()
                    + " at " + ls.burstStart().toSeconds() + "s for "
                    + ls.burstLength().toSeconds() + "s, " + d.toSeconds() + "s total");
            Timeline tl = gen.run(keys);
            if (tty) System.out.println();
            Map<String, String> summary = HtmlReport.summary(tl);
            summary.put("analytics (CDC) orders = source orders", analyticsCheck(stack));
            summary.put("cache hit ratio", String.format(Locale.ROOT, "%.3f", stack.cacheHitRatio()));
            summary.put("shards", String.join(", ", stack.shardline.config().shardNames()));
            summary.put("endpoints healthy at the end", health(stack.shardline.health()));
            printTable(summary);
            Path written = HtmlReport.write(report, "Shardline demo", tl, summary);
            System.out.println("report: " + written.toAbsolutePath());
            long errors = tl.total("errors");
            if (errors > 0) System.out.println("FAILED: " + errors + " requests failed");
            boolean analyticsOk =
                    summary.get("analytics (CDC) orders = source orders").endsWith("(match)");
            if (!analyticsOk) System.out.println("FAILED: the analytics store does not match the shards");
            return errors == 0 && analyticsOk ? 0 : 1;
        }
    }

    private static void addFaults(LoadGenerator gen, DemoStack stack, long seconds) {
        PgNode replica = stack.cluster.replicas(0).get(0);
        gen.fault(seconds * 0.40, "stop CDC", stack::stopCdc);
        gen.fault(seconds * 0.50, "start CDC", stack::startCdc);
        gen.fault(seconds * 0.45, "kill " + replica.name(), replica::kill);
        gen.fault(seconds * 0.60, "restart " + replica.name(), replica::start);
        gen.fault(seconds * 0.70, "kill Redis", stack.redisServer::kill);
        gen.fault(seconds * 0.80, "restart Redis", stack.redisServer::restart);
        String slow = stack.shardline
                .config()
                .shardNames()
                .get(stack.shardline.config().shardNames().size() - 1);
        gen.fault(seconds * 0.85, "+20 ms on " + slow + " primary", () -> stack.slowShard.setDelayMillis(20));
        gen.fault(seconds * 0.95, "normal " + slow, () -> stack.slowShard.setDelayMillis(0));
    }

    /** Waits (bounded) for the analytics store to hold every committed order, then compares counts. */
    private static String analyticsCheck(DemoStack stack) throws InterruptedException {
        long source = stack.sourceOrders();
        long analytics = -1;
        for (int i = 0; i < 100 && analytics != source; i++) {
            analytics = stack.analyticsOrders();
            if (analytics != source) Thread.sleep(100);
        }
        return analytics + " = " + source + (analytics == source ? " (match)" : " (MISMATCH)");
    }

    private static String health(List<EndpointStatus> all) {
        long up = all.stream().filter(EndpointStatus::healthy).count();
        return up + " of " + all.size();
    }

    private static void progress(boolean tty, int s, long total) {
        if (tty) {
            int width = 40;
            int done = (int) (width * (s + 1) / Math.max(1, total));
            System.out.print("\r  [" + "#".repeat(done) + " ".repeat(Math.max(0, width - done)) + "] " + (s + 1) + "/"
                    + total + " s");
            System.out.flush();
        } else if ((s + 1) % 5 == 0) {
            System.out.println("  " + (s + 1) + "/" + total + " s");
        }
    }

    private static void printTable(Map<String, String> rows) {
        int w = rows.keySet().stream().mapToInt(String::length).max().orElse(10);
        System.out.println();
        System.out.println(String.format(Locale.ROOT, "%-" + w + "s  %s", "figure", "value"));
        System.out.println("-".repeat(w) + "  " + "-".repeat(30));
        rows.forEach((k, v) -> System.out.println(String.format(Locale.ROOT, "%-" + w + "s  %s", k, v)));
    }
}
