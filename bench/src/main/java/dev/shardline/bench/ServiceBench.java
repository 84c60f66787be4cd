package dev.shardline.bench;

import dev.shardline.app.AppSettings;
import dev.shardline.app.DemoStack;
import dev.shardline.app.load.HtmlReport;
import dev.shardline.app.load.LoadGenerator;
import dev.shardline.app.load.LoadSettings;
import dev.shardline.app.load.Timeline;
import dev.shardline.testkit.PgBackend;
import dev.shardline.testkit.PgNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * End-to-end service benchmark: the orders service on two PostgreSQL shards with a replica each
 * and Redis, 85/15 reads/writes over Zipf(1.1) keys with one 20x burst, a replica killed and Redis
 * killed inside the run. Figures: read/write p95, error rate, cache hit ratio, DB reads avoided.
 *
 * <p>Arguments: {@code [seconds, default 40] [base requests/s, default 30]}.
 */
public final class ServiceBench {
    private ServiceBench() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int rps = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        try (DemoStack stack = DemoStack.start(
                2,
                PgBackend.detect(),
                AppSettings.ofDefaults().withPort(0).withRateLimit(100_000),
                m -> System.out.println("• " + m))) {
            LoadSettings ls = LoadSettings.standard(Duration.ofSeconds(seconds), rps);
            PgNode replica = stack.cluster.replicas(0).get(0);
            LoadGenerator gen = new LoadGenerator(stack.service.baseUri(), ls)
                    .fault(seconds * 0.45, "kill " + replica.name(), replica::kill)
                    .fault(seconds * 0.60, "restart " + replica.name(), replica::start)
                    .fault(seconds * 0.70, "kill Redis", stack.redisServer::kill)
                    .fault(seconds * 0.85, "restart Redis", stack.redisServer::restart);
            List<String> keys = gen.seed();
            Timeline tl = gen.run(keys);
            Path report = HtmlReport.write(
                    Path.of("target", "service-bench-report.html"),
                    "Shardline service benchmark",
                    tl,
                    HtmlReport.summary(tl));
            System.out.println("report: " + report.toAbsolutePath());
            long ok = tl.requests("read") + tl.requests("write");
            double errorRate = tl.total("errors") / (double) Math.max(1, ok + tl.total("errors"));
            double hitRatio = stack.cacheHitRatio();
            Results.print("service", "read_p95_ms", tl.quantileMs("read", 0.95));
            Results.print("service", "write_p95_ms", tl.quantileMs("write", 0.95));
            Results.print("service", "error_rate", errorRate);
            Results.print("service", "cache_hit_ratio", hitRatio);
            Results.print("service", "db_reads_avoided_ratio", hitRatio);
        }
    }
}
