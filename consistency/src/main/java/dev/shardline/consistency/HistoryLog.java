package dev.shardline.consistency;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One process's history: every read (value, wall-clock start and end) and every acknowledged write
 * (value, times, and the WAL position it is visible from), one line each, appended to a file the
 * checker reads after the run.
 */
public final class HistoryLog implements AutoCloseable {
  /** One recorded operation; {@code value} is -1 for "no row". */
  public record Op(char kind, String instance, String key, long value, long startMs, long endMs, long lsn) {
    static Op parse(String line) {
      String[] f = line.split("\\|");
      return new Op(f[0].charAt(0), f[1], f[2], Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]),
          f.length > 6 ? Long.parseLong(f[6]) : -1);
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

  public synchronized void write(String instance, String key, long value, long startMs, long ackMs, long lsn) {
    line("W|" + instance + "|" + key + "|" + value + "|" + startMs + "|" + ackMs + "|" + lsn);
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
