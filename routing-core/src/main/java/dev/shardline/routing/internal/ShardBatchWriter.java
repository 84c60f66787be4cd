package dev.shardline.routing.internal;

import java.sql.BatchUpdateException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the per-shard parts of one auto-commit batch at the same time, one physical connection per
 * shard, and returns one update count per row in the caller's row order. Each shard's part is its own
 * pgJDBC batch (so {@code reWriteBatchedInserts} still applies) and commits on its own: if a shard
 * fails, the other shards' rows stay written and a {@link BatchUpdateException} reports every row —
 * the driver's count for rows that ran, {@link Statement#EXECUTE_FAILED} for the failed shard's rows
 * that did not.
 */
final class ShardBatchWriter {
    /** One shard's part: its rows (indexes into the whole batch) and its filled physical statement. */
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
     * Executes every part (the first on the calling thread, the others in parallel) and returns the
     * counts of all {@code size} rows.
     *
     * @throws BatchUpdateException if any part failed, after every part has finished; its update counts
     *     cover all rows and its cause chain holds the first failure (others are suppressed)
     */
    static int[] execute(int size, List<Part> parts) throws SQLException {
        int[] counts = new int[size];
        Arrays.fill(counts, Statement.EXECUTE_FAILED);
        List<Future<int[]>> running = new ArrayList<>();
        for (int i = 1; i < parts.size(); i++) {
            PreparedStatement ps = parts.get(i).statement();
            running.add(POOL.submit(ps::executeBatch));
        }
        List<SQLException> failures = new ArrayList<>();
        collect(parts.get(0), () -> parts.get(0).statement().executeBatch(), counts, failures);
        for (int i = 1; i < parts.size(); i++) {
            Future<int[]> f = running.get(i - 1);
            collect(parts.get(i), () -> join(f), counts, failures);
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
