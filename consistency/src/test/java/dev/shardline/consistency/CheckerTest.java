package dev.shardline.consistency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.consistency.HistoryLog.Op;
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
