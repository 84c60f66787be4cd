package dev.shardline.app.cli;

import dev.shardline.routing.RoutePlan;
import dev.shardline.routing.ShardlineDataSource;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints where a statement would go and why, without running it; or, with --file, a table for a whole file of SQL. */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = {
            "Show which shard and server a statement would run on, and why (nothing is executed).",
            "With --file: check every statement of an application's SQL file and print statement | routes? | why / what to change."
        })
public final class ExplainCommand implements Callable<Integer> {
    @Option(
            names = {"-c", "--config"},
            required = true,
            description = "path of shardline.yaml")
    Path config;

    @Option(
            names = {"-t", "--tenant"},
            description = "tenant id that fills the statement's tenant-key parameters (or acts as context)")
    String tenant;

    @Option(
            names = {"-f", "--file"},
            description = "a file of SQL statements separated by ';' (e.g. app-queries.sql)")
    Path file;

    @Parameters(index = "0", arity = "0..1", description = "the SQL statement, quoted")
    String sql;

    @Override
    public Integer call() {
        if ((file == null) == (sql == null)) {
            System.err.println("explain - give either one SQL statement or --file FILE, not both or neither");
            return 1;
        }
        try (ShardlineDataSource ds = ShardlineDataSource.fromYaml(config)) {
            if (file != null) return explainFile(ds, Files.readString(file), System.out);
            RoutePlan p = ds.explain(sql, tenant);
            System.out.println("kind:   " + p.kind());
            System.out.println("shards: " + p.shards());
            System.out.println("role:   " + p.role());
            System.out.println("why:    " + p.reason());
            return p.kind().endsWith("rejected") ? 2 : 0;
        } catch (IOException e) {
            System.err.println("explain - cannot read " + file + ": " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    /** Prints one row per statement; returns 2 if any statement would be refused, else 0. */
    int explainFile(ShardlineDataSource ds, String text, PrintStream out) {
        List<String> statements = SqlScript.split(text);
        out.printf("%-3s | %-60s | %-7s | %s%n", "#", "statement", "routes?", "why / what to change");
        out.println("-".repeat(3) + "-+-" + "-".repeat(60) + "-+-" + "-".repeat(7) + "-+-" + "-".repeat(40));
        int refused = 0;
        for (int i = 0; i < statements.size(); i++) {
            String s = statements.get(i);
            String routes;
            String why;
            try {
                RoutePlan p = ds.explain(s, tenant);
                boolean ok = !p.kind().endsWith("rejected");
                routes = ok ? "yes" : "NO";
                why = ok ? p.kind() + " → " + p.shards() + " (" + p.role() + "): " + p.reason() : p.reason();
                if (!ok) refused++;
                if (!ok && bare(s).regionMatches(true, 0, "COPY", 0, 4)) {
                    why +=
                            " For bulk loads use connection.unwrap(PGConnection.class).getCopyAPI().copyIn(...) inside Tenants.run, or "
                                    + "ShardlineCopy.copyIn(dataSource, table, tenant, reader) (tenant-bound, rows checked).";
                }
            } catch (RuntimeException e) {
                routes = "NO";
                why = e.getMessage();
                refused++;
            }
            out.printf("%-3d | %-60s | %-7s | %s%n", i + 1, abbreviate(bare(s), 60), routes, oneLine(why));
        }
        out.printf(
                "%n%d statements: %d route, %d need a change%n",
                statements.size(), statements.size() - refused, refused);
        return refused > 0 ? 2 : 0;
    }

    /** The statement without its leading comments, for display. */
    private static String bare(String s) {
        return s.replaceAll("(?s)^(\\s*(--[^\n]*\n|/\\*.*?\\*/))*", "").strip();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }

    private static String abbreviate(String s, int width) {
        String one = oneLine(s);
        return one.length() <= width ? one : one.substring(0, width - 3) + "...";
    }
}
