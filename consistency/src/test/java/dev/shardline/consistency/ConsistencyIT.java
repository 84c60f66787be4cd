package dev.shardline.consistency;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The CI mode of the consistency checker: a short run (60 s of load, under 3 min in all) with every fault. */
class ConsistencyIT {
    @Test
    void shortRun_underFaults_noStaleReadsNoStaleEntriesReadsOwnWrites() throws Exception {
        Path dir = Path.of("target", "consistency-it").toAbsolutePath(); // kept: histories and process logs
        ConsistencyRun run = new ConsistencyRun(dir, Duration.ofSeconds(Long.getLong("consistency.seconds", 60)), 3);
        Checker.Result r = run.run();
        run.events().forEach(e -> System.out.println("fault " + e));
        run.instanceSummaries().forEach(System.out::println);
        System.out.println(r.print());
        assertThat(r.reads()).as("reads recorded").isGreaterThan(100);
        assertThat(r.writes()).as("writes recorded").isGreaterThan(50);
        assertThat(r.deletes()).as("deletes among the writes").isPositive();
        assertThat(r.invalidationsFailed())
                .as("invalidations refused while Redis was down (the faults happened)")
                .isPositive();
        assertThat(r.sidecarInvalidations())
                .as("invalidations the sidecar applied, from its --invalidation-log")
                .isPositive();
        assertThat(r.localBoundP50Ms())
                .as("the median read's bound is the lag around it, not the run's worst case")
                .isLessThan(r.boundMs());
        assertThat(r.cachedEntries())
                .as("entries cached after quiescence (the check must look at something)")
                .isPositive();
        assertThat(r.staleEntries()).as("stale entries after quiescence").isZero();
        assertThat(r.staleReads())
                .as("reads older than a write acknowledged more than B ms before")
                .isZero();
        assertThat(r.readYourWritesViolations()).as("own writes not read").isZero();
    }
}
