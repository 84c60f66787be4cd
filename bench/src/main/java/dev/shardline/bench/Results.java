package dev.shardline.bench;

import java.util.Locale;

/** Prints benchmark figures in the one format every benchmark ends with. */
public final class Results {
    private Results() {}

    /** Prints {@code RESULT <bench>.<figure> <value>} on its own line. */
    public static void print(String bench, String figure, double value) {
        String v = value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%.3f", value);
        System.out.println("RESULT " + bench + "." + figure + " " + v);
    }
}
