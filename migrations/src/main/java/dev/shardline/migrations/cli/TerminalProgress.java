package dev.shardline.migrations.cli;

import dev.shardline.migrations.ProgressListener;
import dev.shardline.migrations.ShardResult;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Shows each shard's state: one redrawn line on a terminal, one plain line per event otherwise. */
final class TerminalProgress implements ProgressListener {
    private final PrintStream out;
    private final boolean tty;
    private final Map<String, String> states = new TreeMap<>();

    TerminalProgress(PrintStream out, boolean tty) {
        this.out = out;
        this.tty = tty;
    }

    @Override
    public synchronized void started(String shard) {
        states.put(shard, "running");
        if (tty) redraw();
        else out.println(shard + " started");
    }

    @Override
    public synchronized void finished(ShardResult r) {
        String s = r.state().name().toLowerCase(Locale.ROOT)
                + (r.appliedNow().isEmpty() ? "" : " +" + r.appliedNow().size());
        states.put(r.shard(), s);
        if (tty) redraw();
        else out.println(r.shard() + " " + s + " in " + r.took().toMillis() + " ms");
    }

    void done() {
        if (tty) out.println();
    }

    private void redraw() {
        StringBuilder b = new StringBuilder("\r");
        states.forEach((k, v) -> b.append(k).append(": ").append(v).append("   "));
        out.print(b);
        out.flush();
    }
}
