package dev.shardline.bench.cdc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * CPU spent during one phase of a benchmark, split into this JVM, the Redis server and the rest of
 * the machine (PostgreSQL's walsenders, the kernel): where a change's cost goes, not only its rate.
 */
public final class CpuMeter {
    /** One reading; subtract two to get a phase. */
    public record Sample(
            long wallNanos,
            long jvmNanos,
            double redisSeconds,
            long machineTicks,
            java.util.Map<Long, java.util.Map.Entry<String, Long>> threads) {}

    private final int redisPort;

    public CpuMeter(int redisPort) {
        this.redisPort = redisPort;
    }

    public Sample take() {
        return new Sample(System.nanoTime(), jvmCpuNanos(), redisCpuSeconds(), machineBusyTicks(), threadCpu());
    }

    /** Returns "µs of CPU per change: JVM a, Redis b, rest c (machine busy d of 2 cores)". */
    public static String perChange(Sample from, Sample to, long changes) {
        double jvm = (to.jvmNanos() - from.jvmNanos()) / 1e3 / changes;
        double redis = (to.redisSeconds() - from.redisSeconds()) * 1e6 / changes;
        double machine = (to.machineTicks() - from.machineTicks()) * 1e4 / changes; // 100 Hz ticks → µs
        double wall = (to.wallNanos() - from.wallNanos()) / 1e9;
        return String.format(
                Locale.ROOT,
                "CPU per change: JVM %.1f µs, Redis %.1f µs, rest of machine %.1f µs (machine %.0f %% busy of all cores)",
                jvm,
                redis,
                Math.max(0, machine - jvm - redis),
                (to.machineTicks() - from.machineTicks())
                        / 100.0
                        / wall
                        / Runtime.getRuntime().availableProcessors()
                        * 100);
    }

    /** Returns the JVM's CPU per change by thread group (digits in thread names folded), largest first. */
    public static String byThread(Sample from, Sample to, long changes) {
        java.util.Map<String, Long> groups = new java.util.TreeMap<>();
        to.threads().forEach((id, e) -> {
            long before =
                    from.threads().containsKey(id) ? from.threads().get(id).getValue() : 0;
            groups.merge(e.getKey().replaceAll("[0-9]+", "N"), e.getValue() - before, Long::sum);
        });
        long threads = groups.values().stream().mapToLong(Long::longValue).sum();
        // What the JVM spent outside Java threads: GC, the JIT, and native threads (DuckDB's own workers).
        groups.put("(not a Java thread: GC, JIT, DuckDB's native workers)", to.jvmNanos() - from.jvmNanos() - threads);
        StringBuilder out = new StringBuilder();
        groups.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .limit(10)
                .forEach(e -> out.append(
                        String.format(Locale.ROOT, "    %-60s %.1f µs%n", e.getKey(), e.getValue() / 1e3 / changes)));
        return out.toString();
    }

    private static java.util.Map<Long, java.util.Map.Entry<String, Long>> threadCpu() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        java.util.Map<Long, java.util.Map.Entry<String, Long>> out = new java.util.HashMap<>();
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t == null) continue;
            long ns = mx.getThreadCpuTime(t.getThreadId());
            if (ns >= 0) out.put(t.getThreadId(), java.util.Map.entry(t.getThreadName(), ns));
        }
        return out;
    }

    private static long jvmCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getProcessCpuTime();
        return 0;
    }

    private static long machineBusyTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) total += Long.parseLong(f[i]);
            return total - Long.parseLong(f[4]) - Long.parseLong(f[5]); // minus idle and iowait
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** used_cpu_sys + used_cpu_user from {@code INFO cpu}, over a plain RESP socket. */
    private double redisCpuSeconds() {
        try (Socket s = new Socket("127.0.0.1", redisPort)) {
            OutputStream out = s.getOutputStream();
            out.write("*2\r\n$4\r\nINFO\r\n$3\r\ncpu\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder header = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n' && c >= 0) header.append((char) c);
            int len = Integer.parseInt(header.toString().trim().substring(1));
            byte[] body = in.readNBytes(len);
            double sum = 0;
            for (String line : new String(body, StandardCharsets.US_ASCII).split("\r\n")) {
                if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:"))
                    sum += Double.parseDouble(line.substring(line.indexOf(':') + 1));
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
