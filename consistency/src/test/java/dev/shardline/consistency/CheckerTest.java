package dev.shardline.consistency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.consistency.HistoryLog.Op;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker on hand-built histories: it must find what it is for, and not flag what is allowed. */
class CheckerTest {
    private static final int[] NO_ENTRIES = {0, 0};
    private static final long B = 100;

    private static Op w(String instance, long seq, long start, long ack, char op) {
        return Op.write(instance, "1:1", seq, start, ack, 1000 + seq, op);
    }

    private static Op r(String instance, long value, long start, long end) {
        return Op.read(instance, "1:1", value, start, end);
    }

    @Test
    void check_readOlderThanWriteAckedMoreThanBBefore_staleRead() {
        Checker.Result res = Checker.check(
                List.of(w("app0", 1, 0, 10, 'U'), w("app0", 2, 20, 30, 'U'), r("app1", 1, 500, 505)), B, NO_ENTRIES);
        assertThat(res.staleReads()).isEqualTo(1);
        assertThat(res.readYourWritesViolations()).as("another instance's read").isZero();
        assertThat(res.examples()).anyMatch(e -> e.startsWith("stale read"));
    }

    @Test
    void check_readOlderWithinB_allowed() {
        Checker.Result res = Checker.check(
                List.of(w("app0", 1, 0, 10, 'U'), w("app0", 2, 20, 30, 'U'), r("app1", 1, 60, 65)), B, NO_ENTRIES);
        assertThat(res.staleReads())
                .as("the write of 2 was acknowledged only 30 ms before the read")
                .isZero();
    }

    @Test
    void check_ownWriteNotRead_readYourWritesViolation() {
        Checker.Result res = Checker.check(
                List.of(w("app2", 3, 0, 10, 'U'), w("app2", 4, 20, 30, 'U'), r("app2", 3, 31, 35)), B, NO_ENTRIES);
        assertThat(res.readYourWritesViolations()).isEqualTo(1);
        assertThat(res.staleReads()).as("within B for everyone else").isZero();
    }

    @Test
    void check_readStartedBeforeAck_allowed() {
        Checker.Result res = Checker.check(List.of(w("app2", 1, 0, 10, 'U'), r("app2", 0, 10, 12)), B, NO_ENTRIES);
        assertThat(res.readYourWritesViolations())
                .as("a read in the acknowledgement's millisecond may have begun before it")
                .isZero();
    }

    @Test
    void check_noRowAfterDelete_allowed_noRowAfterUpdate_stale() {
        Checker.Result afterDelete = Checker.check(
                List.of(w("app0", 1, 0, 10, 'U'), w("app0", 2, 20, 30, 'D'), r("app1", -1, 500, 505)), B, NO_ENTRIES);
        assertThat(afterDelete.staleReads()).isZero();
        Checker.Result afterReinsert = Checker.check(
                List.of(w("app0", 2, 20, 30, 'D'), w("app0", 3, 40, 50, 'I'), r("app1", -1, 500, 505)), B, NO_ENTRIES);
        assertThat(afterReinsert.staleReads())
                .as("the row was inserted again long before the read")
                .isEqualTo(1);
        assertThat(afterReinsert.deletes()).isEqualTo(1);
    }

    @Test
    void check_valueBeforeDeleteAckedLongAgo_stale() {
        Checker.Result res = Checker.check(
                List.of(w("app0", 1, 0, 10, 'U'), w("app0", 2, 20, 30, 'D'), r("app1", 1, 500, 505)), B, NO_ENTRIES);
        assertThat(res.staleReads())
                .as("the row was deleted long before the read")
                .isEqualTo(1);
    }

    /** Lag samples of {@code lagMs} every 250 ms over [from, to]. */
    private static List<long[]> samples(long from, long to, long lagMs) {
        List<long[]> out = new ArrayList<>();
        for (long t = from; t <= to; t += 250) out.add(new long[] {t, lagMs});
        return out;
    }

    /** 20 ms of lag all along 0..200 s, and a 60 s outage from 10 s to 70 s. */
    private static StalenessBound quietExceptOneOutage() {
        return StalenessBound.measured(samples(0, 200_000, 20), List.<long[]>of(new long[] {10_000, 70_000}));
    }

    @Test
    void check_staleReadInQuietPeriod_caughtDespiteLongOutageElsewhere() {
        List<Op> ops = List.of(
                w("app0", 1, 150_000, 150_010, 'U'),
                w("app0", 2, 150_020, 150_030, 'U'),
                r("app1", 1, 155_000, 155_005));
        Checker.Result res = Checker.check(ops, quietExceptOneOutage(), NO_ENTRIES);
        assertThat(res.staleReads())
                .as("5 s after the write, 20 ms of lag around, no outage near")
                .isEqualTo(1);
        assertThat(res.examples()).anyMatch(e -> e.startsWith("stale read") && e.contains("(bound 520 ms)"));
        assertThat(res.boundMs())
                .as("the global worst case still includes the outage")
                .isEqualTo(20 + 60_000 + 500);
        assertThat(Checker.check(ops, res.boundMs(), NO_ENTRIES).staleReads())
                .as("the same history under the old global B passes")
                .isZero();
    }

    @Test
    void check_staleReadDuringOrJustAfterOutage_allowed() {
        Checker.Result during = Checker.check(
                List.of(w("app0", 1, 0, 10, 'U'), w("app0", 2, 20_000, 20_010, 'U'), r("app1", 1, 50_000, 50_005)),
                quietExceptOneOutage(),
                NO_ENTRIES);
        assertThat(during.staleReads())
                .as("the invalidation path has been down since 10 s")
                .isZero();
        Checker.Result catchingUp = Checker.check(
                List.of(w("app0", 1, 0, 10, 'U'), w("app0", 2, 60_000, 60_010, 'U'), r("app1", 1, 75_000, 75_005)),
                quietExceptOneOutage(),
                NO_ENTRIES);
        assertThat(catchingUp.staleReads())
                .as("5 s after the outage ended: within its catch-up allowance")
                .isZero();
        Checker.Result longAfter = Checker.check(
                List.of(w("app0", 1, 0, 10, 'U'), w("app0", 2, 60_000, 60_010, 'U'), r("app1", 1, 140_000, 140_005)),
                quietExceptOneOutage(),
                NO_ENTRIES);
        assertThat(longAfter.staleReads())
                .as("70 s after the outage: no allowance left")
                .isEqualTo(1);
    }

    @Test
    void check_lagSampledAroundRead_widensOnlyThatRead() {
        List<long[]> samples = new ArrayList<>(samples(0, 100_000, 20));
        samples.addAll(samples(40_000, 41_000, 3_000)); // a replica 3 s behind for a second
        StalenessBound bound = StalenessBound.measured(samples, List.of());
        Checker.Result res = Checker.check(
                List.of(
                        w("app0", 1, 0, 10, 'U'),
                        w("app0", 2, 38_000, 38_010, 'U'),
                        r("app1", 1, 40_500, 40_505),
                        r("app1", 1, 60_000, 60_005)),
                bound,
                NO_ENTRIES);
        assertThat(res.staleReads())
                .as("only the read 20 s later, with 20 ms of lag around it")
                .isEqualTo(1);
        assertThat(res.examples()).anyMatch(e -> e.contains("60000"));
        assertThat(res.localBoundP50Ms()).as("20 ms of lag + 500 ms slack").isEqualTo(520);
        assertThat(res.localBoundP99Ms()).as("3 s of lag + 500 ms slack").isEqualTo(3_500);
    }

    @Test
    void check_sidecarInvalidations_countedApart() {
        Checker.Result res = Checker.check(
                List.of(
                        new Op('V', "app0", "kv:1:1", 0, 5, 6, 1001, 'A'),
                        new Op('V', "app0", "kv:1:1", 0, 7, 8, 1002, 'F'),
                        new Op('V', HistoryLog.SIDECAR + "shard-0", "kv:1:1", 0, 9, 12, 1001, 'A')),
                B,
                NO_ENTRIES);
        assertThat(res.invalidations()).isEqualTo(2);
        assertThat(res.invalidationsFailed()).isEqualTo(1);
        assertThat(res.sidecarInvalidations()).isEqualTo(1);
        assertThat(res.historySize()).isEqualTo(3);
    }

    @Test
    void check_cleanHistory_noViolations() {
        Checker.Result res = Checker.check(
                List.of(
                        w("app0", 1, 0, 10, 'U'),
                        r("app0", 1, 11, 12),
                        r("app1", 0, 5, 8),
                        w("app1", 2, 40, 50, 'D'),
                        r("app1", -1, 51, 52),
                        r("app0", 1, 60, 70)),
                B,
                NO_ENTRIES);
        assertThat(res.staleReads()).isZero();
        assertThat(res.readYourWritesViolations()).isZero();
        assertThat(res.reads()).isEqualTo(4);
        assertThat(res.writes()).isEqualTo(2);
    }
}
