package dev.shardline.consistency;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One process's history: every read (value, wall-clock start and end), every acknowledged write
 * (the key's new sequence number, times, the WAL position it is visible from, and whether it
 * inserted, updated or deleted the row) and every invalidation the instance made (position,
 * times, applied or not), one line each, appended to a file the checker reads after the run. The
 * CDC sidecar writes its applied invalidations in the same format ({@code cdc --invalidation-log}).
 */
public final class HistoryLog implements AutoCloseable {
    /** The instance name prefix of the sidecar's invalidations ({@code cdc --invalidation-log}). */
    public static final String SIDECAR = "sidecar@";

    /**
     * One recorded operation. {@code kind}: R read, W write, V invalidation. {@code value}: a read's
     * value (-1 for "no row"), a write's sequence number. {@code op}: a write's I, U or D; an
     * invalidation's A (applied) or F (failed); R for reads.
     */
    public record Op(char kind, String instance, String key, long value, long startMs, long endMs, long lsn, char op) {
        static Op parse(String line) {
            String[] f = line.split("\\|");
            return new Op(
                    f[0].charAt(0),
                    f[1],
                    f[2],
                    Long.parseLong(f[3]),
                    Long.parseLong(f[4]),
                    Long.parseLong(f[5]),
                    f.length > 6 ? Long.parseLong(f[6]) : -1,
                    f.length > 7 ? f[7].charAt(0) : 'R');
        }

        /** A read. */
        public static Op read(String instance, String key, long value, long startMs, long endMs) {
            return new Op('R', instance, key, value, startMs, endMs, -1, 'R');
        }

        /** An acknowledged write of sequence number {@code seq}; {@code op} I, U or D. */
        public static Op write(String instance, String key, long seq, long startMs, long ackMs, long lsn, char op) {
            return new Op('W', instance, key, seq, startMs, ackMs, lsn, op);
        }

        boolean deletes() {
            return kind == 'W' && op == 'D';
        }

        /** True for an invalidation the CDC sidecar applied (its log names the instance {@code sidecar@<shard>}). */
        boolean bySidecar() {
            return kind == 'V' && instance.startsWith(SIDECAR);
        }
    }

    private final BufferedWriter out;

    public HistoryLog(Path file) {
        try {
            this.out = Files.newBufferedWriter(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the history to " + file, e);
        }
    }

    public synchronized void read(String instance, String key, long value, long startMs, long endMs) {
        line("R|" + instance + "|" + key + "|" + value + "|" + startMs + "|" + endMs);
    }

    public synchronized void write(String instance, String key, long seq, long startMs, long ackMs, long lsn, char op) {
        line("W|" + instance + "|" + key + "|" + seq + "|" + startMs + "|" + ackMs + "|" + lsn + "|" + op);
    }

    public synchronized void invalidation(
            String instance, String key, long lsn, long startMs, long endMs, boolean applied) {
        line("V|" + instance + "|" + key + "|0|" + startMs + "|" + endMs + "|" + lsn + "|" + (applied ? 'A' : 'F'));
    }

    private void line(String s) {
        try {
            out.write(s);
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns every operation recorded in {@code files}. */
    public static List<Op> readAll(List<Path> files) throws IOException {
        List<Op> all = new ArrayList<>();
        for (Path f : files) {
            if (!Files.exists(f)) continue;
            for (String l : Files.readAllLines(f)) {
                if (!l.isBlank() && l.indexOf('|') > 0) {
                    try {
                        all.add(Op.parse(l));
                    } catch (RuntimeException partialLastLine) {
                        // a process killed mid-write leaves half a line
                    }
                }
            }
        }
        return all;
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
