package dev.shardline.routing.internal;

import java.sql.BatchUpdateException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the per-shard parts of one auto-commit batch at the same time, one physical connection per
 * shard, and returns one update count per row in the caller's row order. Each shard's part is its own
 * pgJDBC batch (so {@code reWriteBatchedInserts} still applies) and commits on its own: if a shard
 * fails, the other shards' rows stay written and a {@link BatchUpdateException} reports every row —
 * the driver's count for rows that ran, {@link Statement#EXECUTE_FAILED} for the failed shard's rows
 * that did not. Each part's rows are added to its physical statement by the thread that then runs it
 * (binding and pgJDBC's per-row copy are most of a large batch's client time); no part runs until
 * every part is filled, so a failure while filling still runs nothing anywhere.
 */
final class ShardBatchWriter {
    /** One shard's part: its rows (indexes into the whole batch) and its physical statement, not yet filled. */
    record Part(List<Integer> rows, PreparedStatement statement) {}

    private static final AtomicInteger THREADS = new AtomicInteger();
    // Daemon threads that die when idle: a batch borrows them only while its shards are written.
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "shardline-batch-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private ShardBatchWriter() {}

    /**
     * Fills and executes every part (the first on the calling thread, the others in parallel) with the
     * parameters of {@code batch}, and returns the counts of all its rows.
     *
     * @throws SQLException the first failure while filling (then no part ran and every part's physical
     *     batch is empty again; failures of other parts are suppressed)
     * @throws BatchUpdateException if any part failed to execute, after every part has finished; its
     *     update counts cover all rows and its cause chain holds the first failure (others are suppressed)
     */
    static int[] execute(List<Params> batch, List<Part> parts) throws SQLException {
        int[] counts = new int[batch.size()];
        Arrays.fill(counts, Statement.EXECUTE_FAILED);
        FillGate gate = new FillGate(parts.size());
        List<Future<int[]>> running = new ArrayList<>();
        for (int i = 1; i < parts.size(); i++) {
            int index = i;
            try {
                running.add(POOL.submit(() -> fillAndRun(batch, parts.get(index), gate, index)));
            } catch (RejectedExecutionException | OutOfMemoryError e) {
                // No thread for this part ("unable to create native thread"): it and the parts after it
                // never fill, so the gate holds back every part and nothing runs anywhere.
                SQLException why = new SQLException(
                        "shardline batch - cannot start a thread to write a shard's part of the batch (" + e
                                + "); nothing was executed: retry the batch",
                        "53000",
                        e);
                for (int k = i; k < parts.size(); k++) {
                    gate.failed(k, why);
                    gate.arrive();
                }
                break;
            }
        }
        List<SQLException> failures = new ArrayList<>();
        collect(parts.get(0), () -> fillAndRun(batch, parts.get(0), gate, 0), counts, failures);
        for (int i = 1; i <= running.size(); i++) {
            Future<int[]> f = running.get(i - 1);
            collect(parts.get(i), () -> join(f), counts, failures);
        }
        Throwable fillFailure = gate.firstFailure();
        if (fillFailure != null) {
            for (Throwable other : gate.failures)
                if (other != null && other != fillFailure) fillFailure.addSuppressed(other);
            // Every part has cleared its rows by now: nothing ran, as when a row cannot be bound serially.
            if (fillFailure instanceof RuntimeException re) throw re;
            if (fillFailure instanceof Error err) throw err;
            throw (SQLException) fillFailure;
        }
        if (failures.isEmpty()) return counts;
        SQLException first = failures.get(0);
        BatchUpdateException out = new BatchUpdateException(
                "shardline batch - " + failures.size() + " of " + parts.size()
                        + " shards failed; rows on the other shards are committed (auto-commit). First failure: "
                        + first.getMessage()
                        + ". Retry only the rows whose count is EXECUTE_FAILED (-3).",
                first.getSQLState(),
                first.getErrorCode(),
                counts,
                first);
        for (int i = 1; i < failures.size(); i++) out.addSuppressed(failures.get(i));
        return throwIt(out);
    }

    /**
     * Adds the part's rows to its statement, waits until every part is filled, then executes it — or,
     * when any part failed to fill, empties its statement and returns null without running.
     */
    private static int[] fillAndRun(List<Params> batch, Part part, FillGate gate, int index) throws SQLException {
        PreparedStatement ps = part.statement();
        boolean filled = false;
        try {
            for (int r : part.rows()) {
                batch.get(r).applyTo(ps);
                ps.addBatch();
            }
            filled = true;
        } catch (SQLException | RuntimeException | Error e) {
            clearQuietly(ps, e);
            gate.failed(index, e);
        } finally {
            gate.arrive();
        }
        gate.awaitAll();
        if (!filled) return null;
        if (gate.firstFailure() != null) {
            // Rows added to a physical statement must not ride along with its next batch.
            clearQuietly(ps, gate.firstFailure());
            return null;
        }
        return ps.executeBatch();
    }

    private static void clearQuietly(PreparedStatement ps, Throwable cause) {
        try {
            ps.clearBatch();
        } catch (SQLException suppressed) {
            synchronized (cause) {
                cause.addSuppressed(suppressed);
            }
        }
    }

    /** Holds every part back until all are filled, and remembers the fill failures by part order. */
    private static final class FillGate {
        private final CountDownLatch filled;
        private final Throwable[] failures;

        FillGate(int parts) {
            filled = new CountDownLatch(parts);
            failures = new Throwable[parts];
        }

        synchronized void failed(int part, Throwable e) {
            failures[part] = e;
        }

        void arrive() {
            filled.countDown();
        }

        /** Waits for every part's fill; filling is bounded client-side work, so an interrupt is kept for later. */
        void awaitAll() {
            boolean interrupted = false;
            while (true) {
                try {
                    filled.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }

        /** The first part's fill failure in part order, or null. */
        synchronized Throwable firstFailure() {
            for (Throwable t : failures) if (t != null) return t;
            return null;
        }
    }

    private interface Run {
        int[] run() throws SQLException;
    }

    private static void collect(Part part, Run run, int[] counts, List<SQLException> failures) {
        try {
            place(part.rows(), run.run(), counts);
        } catch (BatchUpdateException e) {
            place(part.rows(), e.getUpdateCounts(), counts);
            failures.add(e);
        } catch (SQLException e) {
            failures.add(e);
        }
    }

    private static void place(List<Integer> rows, int[] part, int[] counts) {
        if (part == null) return;
        for (int k = 0; k < rows.size() && k < part.length; k++) counts[rows.get(k)] = part[k];
    }

    private static int[] join(Future<int[]> f) throws SQLException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException(
                    "shardline batch - interrupted while waiting for a shard's part of the batch; its rows may or may not be written",
                    "57014",
                    e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException s) throw s;
            throw new SQLException("shardline batch - a shard's part failed: " + e.getCause(), "XX000", e.getCause());
        }
    }

    private static int[] throwIt(BatchUpdateException e) throws BatchUpdateException {
        throw e;
    }
}
