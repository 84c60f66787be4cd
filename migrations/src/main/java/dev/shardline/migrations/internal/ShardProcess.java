package dev.shardline.migrations.internal;

import dev.shardline.config.Endpoint;
import dev.shardline.migrations.ShardResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * Migrates one shard in a child JVM. Liquibase keeps its lock and history services in process-wide
 * singletons, and two shards migrated on threads of one JVM were seen to record a changeset on the
 * wrong shard and leave locks behind (Liquibase #1402, #3788, #5426). A process per shard isolates
 * them completely; the parent only reads the result back.
 */
public final class ShardProcess {
    private static final String PASSWORD_ENV = "SHARDLINE_MIGRATION_PASSWORD";

    private ShardProcess() {}

    /** Runs {@link ShardRunner#migrate()} for {@code primary} in a child JVM and returns its result. */
    public static ShardResult migrate(Endpoint primary, Path changelog, Duration staleAfter) {
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                ShardProcess.class.getName(),
                primary.id(),
                primary.shard(),
                primary.jdbcUrl(),
                primary.username(),
                changelog.toAbsolutePath().toString(),
                String.valueOf(staleAfter.toSeconds()));
        pb.environment().put(PASSWORD_ENV, primary.password() == null ? "" : primary.password());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor();
            String text = new String(out, StandardCharsets.UTF_8);
            int at = text.lastIndexOf("#shardline-result\n");
            if (at < 0) throw new IOException("the child process ended (exit " + p.exitValue() + ") without a result");
            return decode(text.substring(at + "#shardline-result\n".length()));
        } catch (IOException e) {
            return new ShardResult(
                    primary.shard(),
                    ShardResult.State.FAILED,
                    List.of(),
                    0,
                    -1,
                    null,
                    "could not run the migration process: " + e.getMessage(),
                    Duration.ofNanos(System.nanoTime() - t0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(primary.shard() + " - interrupted while migrating", e);
        }
    }

    /** Child entry point: {@code id shard url user changelog staleSeconds}; the password comes from the environment. */
    public static void main(String[] a) throws IOException {
        Endpoint e = new Endpoint(a[0], a[1], Endpoint.Role.PRIMARY, a[2], a[3], System.getenv(PASSWORD_ENV));
        ShardResult r = new ShardRunner(e, Path.of(a[4]), Duration.ofSeconds(Long.parseLong(a[5]))).migrate();
        System.out.print("#shardline-result\n" + encode(r));
        System.out.flush();
        System.exit(0);
    }

    static String encode(ShardResult r) throws IOException {
        Properties p = new Properties();
        p.setProperty("shard", r.shard());
        p.setProperty("state", r.state().name());
        p.setProperty("appliedNow", String.join("\n", r.appliedNow()));
        p.setProperty("applied", String.valueOf(r.applied()));
        p.setProperty("pending", String.valueOf(r.pending()));
        if (r.failedChangeSet() != null) p.setProperty("failed", r.failedChangeSet());
        if (r.error() != null) p.setProperty("error", r.error());
        p.setProperty("tookNanos", String.valueOf(r.took().toNanos()));
        StringWriter w = new StringWriter();
        p.store(w, null);
        return w.toString();
    }

    static ShardResult decode(String text) throws IOException {
        Properties p = new Properties();
        p.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)));
        String now = p.getProperty("appliedNow", "");
        return new ShardResult(
                p.getProperty("shard"),
                ShardResult.State.valueOf(p.getProperty("state")),
                now.isEmpty() ? List.of() : Arrays.asList(now.split("\n")),
                Integer.parseInt(p.getProperty("applied")),
                Integer.parseInt(p.getProperty("pending")),
                p.getProperty("failed"),
                p.getProperty("error"),
                Duration.ofNanos(Long.parseLong(p.getProperty("tookNanos"))));
    }
}
