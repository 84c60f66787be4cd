package dev.shardline.bench;

import dev.shardline.consistency.Checker;
import dev.shardline.consistency.ConsistencyRun;
import java.nio.file.Files;
import java.time.Duration;

/**
 * {@code scripts/bench consistency [seconds]}: the consistency checker's long run (default 600 s of
 * load with every fault), printing stale reads, stale entries after quiescence, read-your-writes violations, the
 * history size, the run's worst-case staleness bound B, the median and p99 of the per-read bound, and the
 * sidecar's applied invalidations.
 */
public final class ConsistencyBench {
    private ConsistencyBench() {}

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 600;
        ConsistencyRun run =
                new ConsistencyRun(Files.createTempDirectory("consistency-bench-"), Duration.ofSeconds(seconds), 3);
        Checker.Result r = run.run();
        run.events().forEach(e -> System.out.println("fault " + e));
        run.instanceSummaries().forEach(System.out::println);
        System.out.println(r.print());
        Results.print("consistency", "stale_reads", r.staleReads());
        Results.print("consistency", "stale_entries_after_quiesce", r.staleEntries());
        Results.print("consistency", "ryw_violations", r.readYourWritesViolations());
        Results.print("consistency", "history_size", r.historySize());
        Results.print("consistency", "cdc_lag_bound_ms", r.boundMs());
        Results.print("consistency", "local_bound_p50_ms", r.localBoundP50Ms());
        Results.print("consistency", "local_bound_p99_ms", r.localBoundP99Ms());
        Results.print("consistency", "sidecar_invalidations", r.sidecarInvalidations());
    }
}
